import type { Knex } from 'knex';

/**
 * When an open dispute escalates, once support has moved it (issue 11: extend a deadline). Null
 * means the setting's deadline: opened + DISPUTE_ESCALATION_MS. The workflow decides; this
 * column mirrors its answer so the disputes queue can sort by it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.timestamp('dispute_deadline_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => t.dropColumn('dispute_deadline_at'));
}
