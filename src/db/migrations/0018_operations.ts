import type { Knex } from 'knex';

/**
 * Operations (issue 13): what the scheduled checks found, for the metrics, the alerts and the
 * support console's banner. A reconciliation difference stays open until a run no longer finds
 * it; `ops_checks` keeps the last result of each scheduled check.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ops_reconciliation_differences', (t) => {
    t.bigIncrements('id').primary();
    t.text('source').notNullable(); // payments | payouts
    t.text('kind').notNullable();
    t.text('reference').notNullable();
    t.jsonb('details').notNullable();
    t.text('description').notNullable();
    t.timestamp('first_found_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_found_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
  });
  await knex.raw(
    'create unique index ops_reconciliation_differences_open on ops_reconciliation_differences (source, kind, reference) where resolved_at is null',
  );
  await knex.schema.createTable('ops_checks', (t) => {
    t.text('name').primary(); // reconciliation | audit_chain
    t.boolean('ok').notNullable();
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.jsonb('details').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ops_checks');
  await knex.schema.dropTable('ops_reconciliation_differences');
}
