import knexFactory, { Knex } from 'knex';
import './tables'; // the app's tables, typed (module augmentation)

/** One knex pool per process. `pool.max` is explicit: the ledger benchmark runs 32 clients. */
export function createKnex(databaseUrl: string, poolMax = 10): Knex {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
  });
}
