import type { Knex } from 'knex';
import type { ClientBase, QueryResultRow } from 'pg';
import { LedgerContention } from './errors';
import { CONTENTION_ATTEMPTS_MAX, CONTENTION_BACKOFF_BASE_MS } from './types';

/**
 * The ledger talks to PostgreSQL through pg clients borrowed from knex's pool, not through
 * knex's query builder: every statement is a named prepared statement (parsed and planned once
 * per connection), and a transfer is one call of a PL/pgSQL function, so one round trip.
 */
export interface LedgerSql {
  /** Runs one prepared statement in its own implicit transaction, retrying deadlocks. */
  query<R extends QueryResultRow>(statement: PreparedStatement, values: unknown[]): Promise<R[]>;
}

export interface PreparedStatement {
  /** Unique per text: pg caches the plan on each connection under this name. */
  name: string;
  text: string;
}

const CONTENTION_SQLSTATES = new Set(['40P01', '40001']);

function isContention(err: unknown): err is Error {
  return err instanceof Error && CONTENTION_SQLSTATES.has((err as { code?: string }).code ?? '');
}

export function ledgerSql(knex: Knex): LedgerSql {
  return {
    async query<R extends QueryResultRow>(statement: PreparedStatement, values: unknown[]): Promise<R[]> {
      for (let attempt = 1; ; attempt += 1) {
        const client = (await knex.client.acquireConnection()) as ClientBase;
        try {
          const result = await client.query<R>({ name: statement.name, text: statement.text, values });
          return result.rows;
        } catch (err) {
          // A deadlock victim rolled back entirely, and transfer ids make a replay harmless,
          // so running the same call again is safe.
          if (!isContention(err)) throw err;
          if (attempt >= CONTENTION_ATTEMPTS_MAX) throw new LedgerContention(attempt, err);
        } finally {
          await knex.client.releaseConnection(client);
        }
        const backoffMs = CONTENTION_BACKOFF_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    },
  };
}
