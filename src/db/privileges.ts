import type { Knex } from 'knex';

/**
 * What the app's role (DATABASE_URL: api, worker, CLIs) may do in the schema. The migrating role
 * owns every object; the app owns none, so it can never ALTER, DISABLE TRIGGER, TRUNCATE or DROP.
 *
 * Applied after every migration run, as one transaction, to every table then present: a table
 * added by a later migration gets its grants without anyone remembering to write them, and a
 * table listed below is put back to exactly its grants even if someone widened them by hand.
 */
type Access = 'none' | 'read' | 'append' | 'read_write';

const PRIVILEGES: Record<Access, string[]> = {
  none: [],
  read: ['select'],
  append: ['select', 'insert'],
  read_write: ['select', 'insert', 'update', 'delete'],
};

/** Tables not listed here are the app's working tables: read_write. */
export const TABLE_ACCESS: Readonly<Record<string, Access>> = {
  // Written only by the ledger's SECURITY DEFINER functions (migrations 0001, 0007, 0013).
  ledger_accounts: 'read',
  ledger_balances: 'read',
  ledger_transfers: 'read',
  // Append-only history (src/audit); its trigger is the second line, not the first.
  audit_log: 'append',
  // Migration bookkeeping is the migrating role's business.
  knex_migrations: 'none',
  knex_migrations_lock: 'none',
};

/**
 * SECURITY DEFINER functions run with the owner's rights, so the app may call only those named
 * here. Ledger functions are treated the same whether or not they are definers: the app calls
 * the entry points, never the helpers behind them.
 */
export const APP_CALLABLE_FUNCTIONS: readonly string[] = ['ledger_create_accounts', 'ledger_create_transfer', 'ledger_create_transfers'];

export function accessOf(table: string): Access {
  return TABLE_ACCESS[table] ?? 'read_write';
}

export async function grantAppPrivileges(knex: Knex, appRole: string): Promise<void> {
  await knex.transaction(async (trx) => {
    const schema = (await trx.raw<{ rows: Array<{ schema: string }> }>('select current_schema() as schema')).rows[0].schema;
    await trx.raw('grant usage on schema ?? to ??', [schema, appRole]);

    const relations = await trx.raw<{ rows: Array<{ name: string; kind: string }> }>(
      `select c.relname as name, c.relkind as kind from pg_class c
        where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
        order by c.relname`,
    );
    for (const { name, kind } of relations.rows) {
      const target = [`${schema}.${name}`, appRole];
      // Revoke and grant in one transaction: other sessions see the old grants or the new, never none.
      if (kind === 'S') {
        // nextval for serial keys (audit_log's seq among them); never setval.
        await trx.raw('revoke all on sequence ?? from ??', target);
        await trx.raw('grant usage on sequence ?? to ??', target);
        continue;
      }
      await trx.raw('revoke all on table ?? from ??', target);
      const privileges = PRIVILEGES[accessOf(name)];
      if (privileges.length > 0) await trx.raw(`grant ${privileges.join(', ')} on table ?? to ??`, target);
    }

    const functions = await trx.raw<{ rows: Array<{ signature: string; name: string }> }>(
      `select p.oid::regprocedure::text as signature, p.proname as name from pg_proc p
        where p.pronamespace = current_schema()::regnamespace and (p.prosecdef or p.proname like 'ledger\\_%')
        order by 1`,
    );
    for (const { signature, name } of functions.rows) {
      // signature comes from the catalog (regprocedure output is already quoted where needed).
      await trx.raw(`revoke execute on function ${signature} from public, ??`, [appRole]);
      if (APP_CALLABLE_FUNCTIONS.includes(name)) await trx.raw(`grant execute on function ${signature} to ??`, [appRole]);
    }
  });
}
