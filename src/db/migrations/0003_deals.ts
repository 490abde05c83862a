import type { Knex } from 'knex';

/** What support needs to see of a dispute, next to the order it belongs to. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.text('dispute_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('dispute_reason');
  });
}
