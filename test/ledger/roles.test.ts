import type { Knex } from 'knex';
import { Client } from 'pg';
import { appendAudit } from '../../src/audit';
import { ConfigError } from '../../src/config/env';
import { loadSettings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { migrateLatest, roleOf } from '../../src/db/migrate';
import { assertRestrictedRole } from '../../src/db/role-check';
import { createLedger, type Ledger } from '../../src/ledger';
import { prepareDatabase, resolveDatabase } from '../../src/runtime/postgres';
import { connectSystem } from '../../src/runtime/system';
import { testDatabaseUrl, testOwnerDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';
import { createAccounts } from './support';

/**
 * Finding 17: the ledger's guards (immutability triggers, writes only through its functions)
 * hold only if the app's role cannot switch them off. The app connects as a role that may read
 * the ledger and call its functions; the owner role that migrates keeps the triggers as a
 * second line.
 */
let app: Knex;
let owner: Knex;
let ledger: Ledger;
beforeAll(() => {
  app = createKnex(testDatabaseUrl(), 4);
  owner = createKnex(testOwnerDatabaseUrl(), 2);
  ledger = createLedger(app);
});
afterAll(async () => {
  await app.destroy();
  await owner.destroy();
});

/**
 * A refusal by privilege (SQLSTATE 42501), not by a trigger or a constraint. The attempt runs
 * in a transaction that is always rolled back, so a regression fails this test without
 * disarming the shared database for the other test files.
 */
async function refusedByPrivilege(db: Knex, attempt: (trx: Knex.Transaction) => Promise<unknown>, message: RegExp): Promise<void> {
  const trx = await db.transaction();
  try {
    await expect(attempt(trx)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(message) });
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

/** The same for the owner: the attempt is refused by a trigger, and rolled back whatever happens. */
async function refusedByTrigger(attempt: (trx: Knex.Transaction) => Promise<unknown>): Promise<void> {
  const trx = await owner.transaction();
  try {
    await expect(attempt(trx)).rejects.toThrow(/immutable/);
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

/** A funded wallet and its clearing account, created through the ledger's functions as the app. */
async function fundedWallet(amountMinor: number) {
  const ids = await createAccounts(ledger, {
    clearing: { currency: 'TWD', kind: 'provider_clearing' },
    wallet: { currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true, shardCount: 2 },
  });
  const fund = await ledger.createTransfer({
    id: uniqueId('fund'),
    debitAccountId: ids.clearing,
    creditAccountId: ids.wallet,
    amountMinor,
    currency: 'TWD',
  });
  return { ...ids, fundId: fund.transfer.id };
}

describe('the app role and the ledger', () => {
  it('creates accounts and transfers through the ledger functions, one at a time and in batches', async () => {
    const ids = await fundedWallet(500);
    const pending = await ledger.createTransfer({
      id: uniqueId('hold'),
      debitAccountId: ids.wallet,
      creditAccountId: ids.clearing,
      amountMinor: 200,
      currency: 'TWD',
      kind: 'pending',
    });
    const batch = await ledger.createTransfers([
      { id: uniqueId('post'), pendingId: pending.transfer.id, kind: 'post', amountMinor: 150 },
      { id: uniqueId('more'), debitAccountId: ids.clearing, creditAccountId: ids.wallet, amountMinor: 7, currency: 'TWD' },
    ]);
    expect(batch.map((r) => (r.ok ? r.status : r.error.code))).toEqual(['created', 'created']);
    expect(await ledger.balance(ids.wallet)).toMatchObject({ creditsPostedMinor: 507, debitsPostedMinor: 150, availableMinor: 357 });
  });

  it('cannot change a balance, a transfer or an account by hand', async () => {
    const ids = await fundedWallet(100);
    await refusedByPrivilege(
      app,
      (trx) => trx.raw('update ledger_balances set credits_posted = credits_posted + 1000000 where account_id = ?', [ids.wallet]),
      /permission denied for table ledger_balances/,
    );
    await refusedByPrivilege(
      app,
      (trx) => trx('ledger_transfers').where({ id: ids.fundId }).update({ amount_minor: 1 }),
      /permission denied for table ledger_transfers/,
    );
    await refusedByPrivilege(
      app,
      (trx) =>
        trx('ledger_transfers').insert({
          id: uniqueId('forged'),
          debit_account_id: ids.clearing,
          credit_account_id: ids.wallet,
          amount_minor: 1,
          currency: 'TWD',
          kind: 'single',
        }),
      /permission denied for table ledger_transfers/,
    );
    await refusedByPrivilege(
      app,
      (trx) => trx('ledger_accounts').where({ id: ids.wallet }).update({ debits_must_not_exceed_credits: false }),
      /permission denied for table ledger_accounts/,
    );
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(100);
  });

  it('cannot delete or truncate ledger records', async () => {
    const ids = await fundedWallet(100);
    await refusedByPrivilege(
      app,
      (trx) => trx('ledger_transfers').where({ id: ids.fundId }).delete(),
      /permission denied for table ledger_transfers/,
    );
    for (const table of ['ledger_transfers', 'ledger_balances', 'ledger_accounts']) {
      await refusedByPrivilege(app, (trx) => trx.raw(`truncate ${table}`), new RegExp(`permission denied for table ${table}`));
    }
    expect(await ledger.lookupTransfer(ids.fundId)).not.toBeNull();
  });

  it('cannot disable or drop the immutability triggers, nor alter or drop the tables', async () => {
    for (const [table, trigger] of [
      ['ledger_transfers', 'ledger_transfers_immutable'],
      ['ledger_accounts', 'ledger_accounts_immutable'],
      ['ledger_balances', 'ledger_balances_undeletable'],
      ['audit_log', 'audit_log_append_only'],
    ]) {
      await refusedByPrivilege(
        app,
        (trx) => trx.raw(`alter table ${table} disable trigger ${trigger}`),
        new RegExp(`must be owner of table ${table}`),
      );
      await refusedByPrivilege(
        app,
        (trx) => trx.raw(`alter table ${table} disable trigger all`),
        new RegExp(`must be owner of table ${table}`),
      );
      await refusedByPrivilege(
        app,
        (trx) => trx.raw(`drop trigger ${trigger} on ${table}`),
        new RegExp(`must be owner of (relation|table) ${table}`),
      );
      await refusedByPrivilege(app, (trx) => trx.raw(`drop table ${table}`), new RegExp(`must be owner of table ${table}`));
    }
    const enabled = await owner.raw<{ rows: Array<{ tgname: string; tgenabled: string }> }>(
      `select tgname, tgenabled from pg_trigger where tgname = any (?) order by tgname`,
      [['ledger_transfers_immutable', 'ledger_accounts_immutable', 'ledger_balances_undeletable', 'audit_log_append_only']],
    );
    expect(enabled.rows.map((r) => r.tgenabled)).toEqual(['O', 'O', 'O', 'O']);
  });

  it('may call the three ledger entry points and no other ledger function', async () => {
    const { rows } = await app.raw<{ rows: Array<{ name: string; callable: boolean; definer: boolean; config: string[] | null }> }>(
      `select p.proname as name, has_function_privilege(p.oid, 'EXECUTE') as callable, p.prosecdef as definer, p.proconfig as config
         from pg_proc p where p.pronamespace = current_schema()::regnamespace and p.proname like 'ledger\\_%' order by 1`,
    );
    const callable = rows.filter((r) => r.callable);
    expect(callable.map((r) => r.name)).toEqual(['ledger_create_accounts', 'ledger_create_transfer', 'ledger_create_transfers']);
    for (const fn of callable) {
      expect(fn.definer).toBe(true);
      expect(fn.config).toEqual([expect.stringMatching(/^search_path=\w+, pg_temp$/)]);
    }
    expect(rows.length).toBeGreaterThan(callable.length);
    await refusedByPrivilege(app, (trx) => trx.raw(`select ledger_shard('x', 4)`), /permission denied for function ledger_shard/);
  });

  it('cannot make a ledger function use a table of its own (search_path is pinned, pg_temp last)', async () => {
    const trx = await app.transaction();
    try {
      // Unqualified names in the app's own session find pg_temp first: a definer function that
      // followed the caller's path would believe these accounts exist.
      await trx.raw('create temp table ledger_accounts (like public.ledger_accounts including defaults) on commit drop');
      await trx.raw(
        `insert into ledger_accounts (id, currency, kind, shard_count) values ('fake-a', 'TWD', 'escrow', 1), ('fake-b', 'TWD', 'escrow', 1)`,
      );
      const { rows } = await trx.raw<{ rows: Array<{ status: string; error_code: string }> }>(
        `select status, error_code from ledger_create_transfer(?, 'single', 'fake-a', 'fake-b', 5, 'TWD', null, null)`,
        [uniqueId('shadowed')],
      );
      expect(rows).toEqual([{ status: 'refused', error_code: 'account_not_found' }]);
    } finally {
      await trx.rollback().catch(() => undefined);
    }
  });

  it('cannot replace a ledger function nor create objects that would shadow one', async () => {
    await refusedByPrivilege(
      app,
      (trx) =>
        trx.raw(`create or replace function ledger_shard(p_key text, p_shard_count integer) returns integer language sql as 'select 0'`),
      /must be owner of function ledger_shard|permission denied for schema/,
    );
    await refusedByPrivilege(
      app,
      (trx) => trx.raw(`create table ${uniqueId('shadow').replace(/-/g, '_')} (id int)`),
      /permission denied for schema/,
    );
  });
});

describe('the app role and the audit log', () => {
  it('appends and reads entries, and cannot update, delete or truncate them', async () => {
    const subject = uniqueId('order');
    const { seq } = await appendAudit(app, { actor: 'system:test', action: 'test.appended', subject });
    expect(await app('audit_log').where({ subject }).select('seq')).toEqual([{ seq: String(seq) }]);
    await refusedByPrivilege(
      app,
      (trx) => trx('audit_log').where({ seq }).update({ actor: 'someone else' }),
      /permission denied for table audit_log/,
    );
    await refusedByPrivilege(app, (trx) => trx('audit_log').where({ seq }).delete(), /permission denied for table audit_log/);
    await refusedByPrivilege(app, (trx) => trx.raw('truncate audit_log'), /permission denied for table audit_log/);
    expect((await owner('audit_log').where({ seq }).first()).actor).toBe('system:test');
  });
});

describe('the owner role (defence in depth)', () => {
  it('is still refused by the triggers when it changes an immutable record', async () => {
    const ids = await fundedWallet(100);
    await refusedByTrigger((trx) => trx('ledger_transfers').where({ id: ids.fundId }).update({ amount_minor: 1 }));
    await refusedByTrigger((trx) => trx('ledger_transfers').where({ id: ids.fundId }).delete());
    await refusedByTrigger((trx) => trx('ledger_accounts').where({ id: ids.wallet }).update({ debits_must_not_exceed_credits: false }));
    await refusedByTrigger((trx) => trx('ledger_balances').where({ account_id: ids.wallet }).delete());
    await refusedByTrigger((trx) => trx.raw('truncate ledger_transfers'));
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(100);
  });
});

describe('grants', () => {
  /** What the app role must hold on each table, stated here apart from src/db/privileges.ts. */
  const expected = (table: string): string[] => {
    if (['ledger_accounts', 'ledger_balances', 'ledger_transfers'].includes(table)) return ['SELECT'];
    if (table === 'audit_log') return ['INSERT', 'SELECT'];
    if (table.startsWith('knex_migrations')) return [];
    return ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
  };
  const ALL = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

  async function appPrivileges(): Promise<Map<string, { owned: boolean; privileges: string[] }>> {
    const { rows } = await app.raw<{ rows: Array<{ name: string; owned: boolean; privileges: string[] | null }> }>(
      `select c.relname as name, pg_has_role(current_user, c.relowner, 'MEMBER') as owned,
              (select array_agg(p order by p) from unnest(?::text[]) p where has_table_privilege(c.oid, p)) as privileges
         from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm')`,
      [ALL],
    );
    return new Map(rows.map((r) => [r.name, { owned: r.owned, privileges: r.privileges ?? [] }]));
  }

  it('every table of every migration: the app owns none and holds exactly its share (never TRUNCATE, REFERENCES or TRIGGER)', async () => {
    const tables = await appPrivileges();
    expect(tables.size).toBeGreaterThan(15);
    for (const [table, { owned, privileges }] of tables) {
      expect({ table, owned, privileges }).toEqual({ table, owned: false, privileges: expected(table) });
    }
  });

  it("a table a later migration adds gets the app's grants on the next run, even with nothing pending", async () => {
    const table = uniqueId('later').replace(/-/g, '_');
    await owner.schema.createTable(table, (t) => {
      t.bigIncrements('id');
      t.text('note');
    });
    try {
      await refusedByPrivilege(app, (trx) => trx(table).insert({ note: 'before' }), new RegExp(`permission denied for table ${table}`));
      expect(await migrateLatest(owner, { appRole: roleOf(testDatabaseUrl()) })).toEqual([]);
      await app(table).insert({ note: 'after' });
      expect(await app(table).select('note')).toEqual([{ note: 'after' }]);
      await refusedByPrivilege(app, (trx) => trx.raw(`truncate ${table}`), new RegExp(`permission denied for table ${table}`));
      await refusedByPrivilege(
        app,
        (trx) => trx.raw(`alter table ${table} add column x int`),
        new RegExp(`must be owner of table ${table}`),
      );
    } finally {
      await owner.schema.dropTable(table);
    }
  });

  it('refuses to migrate as the app role', async () => {
    await expect(migrateLatest(app, { appRole: roleOf(testDatabaseUrl()) })).rejects.toThrow(/must not run as the app role/);
  });
});

describe('start-up check', () => {
  it('the app role passes; the owner role is refused, naming DATABASE_URL and why', async () => {
    await expect(assertRestrictedRole(app)).resolves.toBeUndefined();
    const refusal = assertRestrictedRole(owner);
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(
      new RegExp(`DATABASE_URL connects as role "${roleOf(testOwnerDatabaseUrl())}", which owns .*may create objects in the schema`),
    );
  });

  it('the worker and the api (connectSystem) refuse the owner URL and start on the app URL', async () => {
    const settingsFor = (url: string) => loadSettings({ DATABASE_URL: url, TEMPORAL_ADDRESS: testTemporalAddress() });
    await expect(connectSystem(settingsFor(testOwnerDatabaseUrl()))).rejects.toThrow(/DATABASE_URL connects as role/);
    const system = await connectSystem(settingsFor(testDatabaseUrl()));
    await system.close();
  });
});

describe('settings', () => {
  const app = 'postgres://app_role:secret-app@127.0.0.1:1/escrow';
  const own = 'postgres://owner_role:secret-owner@127.0.0.1:1/escrow';
  const refusal = (env: Record<string, string>) =>
    resolveDatabase(env).then(
      () => 'started',
      (err: Error) => err,
    );

  it('needs both URLs or neither, as different roles, and never prints them', async () => {
    for (const [env, variable] of [
      [{ DATABASE_URL: app }, 'MIGRATION_DATABASE_URL'],
      [{ MIGRATION_DATABASE_URL: own }, 'DATABASE_URL'],
      [{ DATABASE_URL: app, MIGRATION_DATABASE_URL: app.replace('secret-app', 'other') }, 'MIGRATION_DATABASE_URL'],
      [{ DATABASE_URL: 'postgres://127.0.0.1:1/escrow', MIGRATION_DATABASE_URL: own }, 'DATABASE_URL'],
    ] as const) {
      const err = await refusal(env);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as Error).message).not.toMatch(/secret/);
    }
  });
});

describe('an embedded database from before the two roles', () => {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL;
  const withAdmin = adminUrl ? it : it.skip; // an external TEST_DATABASE_URL comes without a superuser

  withAdmin('hands every object the superuser owned to the owner role on the next start', async () => {
    const database = uniqueId('before_roles').replace(/-/g, '_').toLowerCase();
    const urlOf = (name: string) => Object.assign(new URL(adminUrl!), { pathname: `/${name}` }).toString();
    const admin = new Client({ connectionString: urlOf('postgres') });
    await admin.connect();
    try {
      await admin.query(`create database ${database}`);
      const old = new Client({ connectionString: urlOf(database) });
      await old.connect();
      try {
        // What the migrations used to leave, all owned by the superuser.
        await old.query(`create table t (id bigserial primary key, v text);
                         create sequence free_seq;
                         create type outcome as (status text, id text);
                         create function f(p int) returns int language sql as 'select p';
                         create view v as select id from t`);
      } finally {
        await old.end();
      }
      const owner = { name: roleOf(testOwnerDatabaseUrl()), password: decodeURIComponent(new URL(testOwnerDatabaseUrl()).password) };
      const appRole = { name: roleOf(testDatabaseUrl()), password: decodeURIComponent(new URL(testDatabaseUrl()).password) };
      await prepareDatabase(urlOf('postgres'), database, { owner, app: appRole });
      await prepareDatabase(urlOf('postgres'), database, { owner, app: appRole }); // a second start changes nothing

      const check = new Client({ connectionString: urlOf(database) });
      await check.connect();
      try {
        const { rows } = await check.query<{ kind: string; name: string; owner: string }>(
          `select 'relation' as kind, relname::text as name, relowner::regrole::text as owner from pg_class where relnamespace = 'public'::regnamespace
           union all select 'function', proname::text, proowner::regrole::text from pg_proc where pronamespace = 'public'::regnamespace
           union all select 'type', typname::text, typowner::regrole::text from pg_type where typnamespace = 'public'::regnamespace
           union all select 'database', datname::text, datdba::regrole::text from pg_database where datname = current_database()`,
        );
        expect(rows.length).toBeGreaterThanOrEqual(10);
        expect(rows.filter((r) => r.owner !== owner.name)).toEqual([]);
      } finally {
        await check.end();
      }
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });
});
