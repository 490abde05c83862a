import type { Knex } from 'knex';

/**
 * The app's role may write the ledger only through its three entry points. They run with the
 * owner's rights (SECURITY DEFINER), so the app needs no INSERT or UPDATE on ledger tables; their
 * search_path is pinned to this schema (pg_temp last) so a caller cannot shadow a table, type or
 * function they use with objects of its own. Every other ledger function is the owner's only.
 *
 * Which role gets what is not decided here but by the grant step that runs after every migration
 * (src/db/privileges.ts): a migration does not know the app role's name, and tables added by later
 * migrations are covered there without a migration of their own.
 */
const LEDGER_ENTRY_POINTS = [
  'ledger_create_accounts(text[], text[], text[], boolean[], boolean[], integer[], jsonb[])',
  'ledger_create_transfer(text, text, text, text, bigint, text, text, jsonb, text)',
  'ledger_create_transfers(text[], text[], text[], text[], bigint[], text[], text[], jsonb[])',
];

const LEDGER_TABLES = ['ledger_accounts', 'ledger_balances', 'ledger_transfers'];

async function ledgerFunctions(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ signature: string }> }>(
    `select p.oid::regprocedure::text as signature from pg_proc p
      where p.pronamespace = current_schema()::regnamespace and p.proname like 'ledger\\_%'`,
  );
  return rows.map((r) => r.signature);
}

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: Array<{ schema: string }> }>('select current_schema() as schema');
  const schema = rows[0].schema;
  for (const fn of LEDGER_ENTRY_POINTS) {
    await knex.raw(`alter function ${fn} security definer set search_path = ??, pg_temp`, [schema]);
  }
  // Functions are executable by PUBLIC by default; the grant step gives the entry points back to the app.
  for (const fn of await ledgerFunctions(knex)) await knex.raw(`revoke execute on function ${fn} from public`);
  await knex.raw(`revoke all on ${[...LEDGER_TABLES, 'audit_log'].map(() => '??').join(', ')} from public`, [
    ...LEDGER_TABLES,
    'audit_log',
  ]);
  // PostgreSQL before 15 let every role create objects in the public schema (a shadowing risk for
  // anything not pinned). Only the schema's owner can take that away; the app's start-up check
  // refuses to run while its role can still create here.
  await knex.raw('revoke create on schema ?? from public', [schema]);
}

export async function down(knex: Knex): Promise<void> {
  for (const fn of LEDGER_ENTRY_POINTS) await knex.raw(`alter function ${fn} security invoker reset search_path`);
  for (const fn of await ledgerFunctions(knex)) await knex.raw(`grant execute on function ${fn} to public`);
}
