import type { Knex } from 'knex';
import { ConfigError } from '../config/env';

/**
 * The worker and the api refuse to start on a role that could switch the ledger's guards off:
 * a superuser, a member of a table's owner, a role that may create objects in the schema or
 * write ledger tables directly. A privilege is a fact of the database, so this asks the
 * database rather than trusting how the role is named.
 */
interface RoleFacts {
  role: string;
  superuser: boolean;
  createrole: boolean;
  bypassrls: boolean;
  schema_missing: boolean;
  can_create: boolean;
  owned: string[] | null;
  writable_ledger: string[] | null;
}

const LEDGER_TABLES = ['ledger_accounts', 'ledger_balances', 'ledger_transfers'];

export async function assertRestrictedRole(knex: Knex, variable = 'DATABASE_URL'): Promise<void> {
  const { rows } = await knex.raw<{ rows: RoleFacts[] }>(
    `select r.rolname as role, r.rolsuper as superuser, r.rolcreaterole as createrole, r.rolbypassrls as bypassrls,
            to_regclass('ledger_transfers') is null as schema_missing,
            has_schema_privilege(current_schema(), 'CREATE') as can_create,
            (select array_agg(c.relname::text order by c.relname) from pg_class c
              where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
                and pg_has_role(current_user, c.relowner, 'MEMBER')) as owned,
            (select array_agg(t order by t) from unnest(?::text[]) t
              where to_regclass(t) is not null
                and has_table_privilege(t, 'INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES')) as writable_ledger
       from pg_roles r where r.rolname = current_user`,
    [LEDGER_TABLES],
  );
  const facts = rows[0];
  if (facts.schema_missing)
    throw new ConfigError(variable, 'names a database without the ledger schema: run the migrations first (npm run migrate)');
  const reasons = [
    facts.superuser && 'is a superuser',
    facts.createrole && 'may create roles (CREATEROLE)',
    facts.bypassrls && 'bypasses row security (BYPASSRLS)',
    facts.owned?.length && `owns (or may act as the owner of) ${facts.owned.slice(0, 3).join(', ')}${facts.owned.length > 3 ? ', …' : ''}`,
    facts.can_create && 'may create objects in the schema',
    facts.writable_ledger?.length && `may write ${facts.writable_ledger.join(', ')} directly`,
  ].filter((r): r is string => typeof r === 'string');
  if (reasons.length > 0) {
    throw new ConfigError(
      variable,
      `connects as role "${facts.role}", which ${reasons.join('; ')}: the worker and the api must run as the restricted app role, ` +
        'and only migrations as the owner (MIGRATION_DATABASE_URL)',
    );
  }
}
