import type { Knex } from 'knex';

/**
 * Rate-limit counters shared by every api process: one row per (deployment, limiter, client)
 * holding the hits of the current fixed window. UNLOGGED: counters need no WAL or fsync (a
 * crash or failover merely restarts the windows), and every limited request writes one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create unlogged table rate_limit_hits (
      key text primary key,
      hits integer not null,
      reset_at timestamptz not null
    )`);
  await knex.raw('create index rate_limit_hits_reset_at_index on rate_limit_hits (reset_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_hits');
}
