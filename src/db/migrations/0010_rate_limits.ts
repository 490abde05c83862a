import type { Knex } from 'knex';

/**
 * Rate-limit counters shared by every api process: one row per (limiter, client) holding the
 * hits of the current fixed window. Rows outlive their window only until the next prune.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_hits', (t) => {
    t.text('key').primary();
    t.integer('hits').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_hits');
}
