import type { Knex } from 'knex';
import { appendAudit } from '../../src/audit';
import { createKnex } from '../../src/db/knex';
import { createLedger, type Ledger } from '../../src/ledger';
import { testDatabaseUrl, testOwnerDatabaseUrl, uniqueId } from '../support/env';
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
  const fund = await ledger.createTransfer({ id: uniqueId('fund'), debitAccountId: ids.clearing, creditAccountId: ids.wallet, amountMinor, currency: 'TWD' });
  return { ...ids, fundId: fund.transfer.id };
}

describe('the app role and the ledger', () => {
  it('creates accounts and transfers through the ledger functions, one at a time and in batches', async () => {
    const ids = await fundedWallet(500);
    const pending = await ledger.createTransfer({ id: uniqueId('hold'), debitAccountId: ids.wallet, creditAccountId: ids.clearing, amountMinor: 200, currency: 'TWD', kind: 'pending' });
    const batch = await ledger.createTransfers([
      { id: uniqueId('post'), pendingId: pending.transfer.id, kind: 'post', amountMinor: 150 },
      { id: uniqueId('more'), debitAccountId: ids.clearing, creditAccountId: ids.wallet, amountMinor: 7, currency: 'TWD' },
    ]);
    expect(batch.map((r) => (r.ok ? r.status : r.error.code))).toEqual(['created', 'created']);
    expect(await ledger.balance(ids.wallet)).toMatchObject({ creditsPostedMinor: 507, debitsPostedMinor: 150, availableMinor: 357 });
  });

  it('cannot change a balance, a transfer or an account by hand', async () => {
    const ids = await fundedWallet(100);
    await refusedByPrivilege(app, (trx) => trx.raw('update ledger_balances set credits_posted = credits_posted + 1000000 where account_id = ?', [ids.wallet]), /permission denied for table ledger_balances/);
    await refusedByPrivilege(app, (trx) => trx('ledger_transfers').where({ id: ids.fundId }).update({ amount_minor: 1 }), /permission denied for table ledger_transfers/);
    await refusedByPrivilege(
      app,
      (trx) => trx('ledger_transfers').insert({ id: uniqueId('forged'), debit_account_id: ids.clearing, credit_account_id: ids.wallet, amount_minor: 1, currency: 'TWD', kind: 'single' }),
      /permission denied for table ledger_transfers/,
    );
    await refusedByPrivilege(app, (trx) => trx('ledger_accounts').where({ id: ids.wallet }).update({ debits_must_not_exceed_credits: false }), /permission denied for table ledger_accounts/);
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(100);
  });

  it('cannot delete or truncate ledger records', async () => {
    const ids = await fundedWallet(100);
    await refusedByPrivilege(app, (trx) => trx('ledger_transfers').where({ id: ids.fundId }).delete(), /permission denied for table ledger_transfers/);
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
      await refusedByPrivilege(app, (trx) => trx.raw(`alter table ${table} disable trigger ${trigger}`), new RegExp(`must be owner of table ${table}`));
      await refusedByPrivilege(app, (trx) => trx.raw(`alter table ${table} disable trigger all`), new RegExp(`must be owner of table ${table}`));
      await refusedByPrivilege(app, (trx) => trx.raw(`drop trigger ${trigger} on ${table}`), new RegExp(`must be owner of (relation|table) ${table}`));
      await refusedByPrivilege(app, (trx) => trx.raw(`drop table ${table}`), new RegExp(`must be owner of table ${table}`));
    }
    const enabled = await owner.raw<{ rows: Array<{ tgname: string; tgenabled: string }> }>(
      `select tgname, tgenabled from pg_trigger where tgname = any (?) order by tgname`,
      [['ledger_transfers_immutable', 'ledger_accounts_immutable', 'ledger_balances_undeletable', 'audit_log_append_only']],
    );
    expect(enabled.rows.map((r) => r.tgenabled)).toEqual(['O', 'O', 'O', 'O']);
  });

  it('cannot replace a ledger function nor create objects that would shadow one', async () => {
    await refusedByPrivilege(
      app,
      (trx) => trx.raw(`create or replace function ledger_shard(p_key text, p_shard_count integer) returns integer language sql as 'select 0'`),
      /must be owner of function ledger_shard|permission denied for schema/,
    );
    await refusedByPrivilege(app, (trx) => trx.raw(`create table ${uniqueId('shadow').replace(/-/g, '_')} (id int)`), /permission denied for schema/);
  });
});

describe('the app role and the audit log', () => {
  it('appends and reads entries, and cannot update, delete or truncate them', async () => {
    const subject = uniqueId('order');
    const { seq } = await appendAudit(app, { actor: 'system:test', action: 'test.appended', subject });
    expect(await app('audit_log').where({ subject }).select('seq')).toEqual([{ seq: String(seq) }]);
    await refusedByPrivilege(app, (trx) => trx('audit_log').where({ seq }).update({ actor: 'someone else' }), /permission denied for table audit_log/);
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
