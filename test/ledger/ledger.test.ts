import {
  AccountIdConflict,
  AccountNotFound,
  AccountsMustBeDifferent,
  BATCH_SIZE_MAX_ITEMS,
  CreditsExceedDebits,
  CurrencyMismatch,
  ExceedsPendingAmount,
  ID_LENGTH_MAX_CHARS,
  InsufficientFunds,
  LedgerError,
  LedgerValidationError,
  PendingAlreadyPosted,
  PendingAlreadyVoided,
  PendingTransferNotFound,
  PendingTransferNotPending,
  TransferIdConflict,
  type Ledger,
  type TransferInput,
} from '../../src/ledger';
import { createKnex } from '../../src/db/knex';
import { testOwnerDatabaseUrl, uniqueId } from '../support/env';
import { createAccounts, openLedger, storedTransfers, sumsFromTransfers, type LedgerHarness } from './support';

let h: LedgerHarness;
let ledger: Ledger;
beforeAll(() => {
  h = openLedger();
  ledger = h.ledger;
});
afterAll(() => h.close());

/** A funded wallet (debits must not exceed credits), an escrow, and the clearing they come from. */
async function wallets(fundMinor: number) {
  const ids = await createAccounts(ledger, {
    clearing: { currency: 'TWD', kind: 'provider_clearing' },
    wallet: { currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true, shardCount: 2 },
    escrow: { currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true },
  });
  if (fundMinor > 0) {
    await ledger.createTransfer({
      id: uniqueId('fund'),
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: fundMinor,
      currency: 'TWD',
    });
  }
  return ids;
}

async function expectRefusal(promise: Promise<unknown>, type: new (...args: never[]) => LedgerError, code: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  expect(err).toBeInstanceOf(LedgerError);
  expect((err as LedgerError).code).toBe(code);
  return err as LedgerError;
}

describe('accounts', () => {
  it('creates an account with zero balances and answers a retry with exists', async () => {
    const id = uniqueId('acct');
    const input = { id, currency: 'JPY', kind: 'user_wallet', debitsMustNotExceedCredits: true, userData: { owner: 'u1' } } as const;
    const first = await ledger.createAccount(input);
    expect(first.status).toBe('created');
    expect(first.account).toMatchObject({
      id,
      currency: 'JPY',
      kind: 'user_wallet',
      debitsMustNotExceedCredits: true,
      creditsMustNotExceedDebits: false,
      shardCount: 8,
      userData: { owner: 'u1' },
    });
    const again = await ledger.createAccount({ ...input });
    expect(again).toEqual({ status: 'exists', account: first.account });
    expect(await ledger.lookupAccount(id)).toEqual(first.account);
    expect(await ledger.balance(id)).toEqual({
      accountId: id,
      currency: 'JPY',
      debitsPostedMinor: 0,
      creditsPostedMinor: 0,
      debitsPendingMinor: 0,
      creditsPendingMinor: 0,
      availableMinor: 0,
    });
    const shards = await h.knex('ledger_balances').where({ account_id: id }).count<{ count: string }[]>('* as count');
    expect(Number(shards[0].count)).toBe(8);
  });

  it('refuses an existing id with different fields', async () => {
    const id = uniqueId('acct');
    await ledger.createAccount({ id, currency: 'USD', kind: 'fees' });
    await expectRefusal(ledger.createAccount({ id, currency: 'THB', kind: 'fees' }), AccountIdConflict, 'account_id_conflict');
    await expectRefusal(
      ledger.createAccount({ id, currency: 'USD', kind: 'fees', userData: { x: 1 } }),
      AccountIdConflict,
      'account_id_conflict',
    );
    await expectRefusal(
      ledger.createAccount({ id, currency: 'USD', kind: 'fees', creditsMustNotExceedDebits: true }),
      AccountIdConflict,
      'account_id_conflict',
    );
  });

  it.each([
    ['unknown currency', { currency: 'EUR', kind: 'fees' }],
    ['unknown kind', { currency: 'TWD', kind: 'savings' }],
    ['both limits', { currency: 'TWD', kind: 'fees', debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: true }],
    ['zero shards', { currency: 'TWD', kind: 'fees', shardCount: 0 }],
    ['too many shards', { currency: 'TWD', kind: 'fees', shardCount: 257 }],
  ])('refuses %s before writing', async (_name, fields) => {
    const id = uniqueId('acct');
    await expectRefusal(ledger.createAccount({ id, ...(fields as object) } as never), LedgerValidationError, 'validation_failed');
    expect(await ledger.lookupAccount(id)).toBeNull();
  });

  it('refuses empty and over-long ids', async () => {
    await expectRefusal(ledger.createAccount({ id: '', currency: 'TWD', kind: 'fees' }), LedgerValidationError, 'validation_failed');
    await expectRefusal(
      ledger.createAccount({ id: 'x'.repeat(ID_LENGTH_MAX_CHARS + 1), currency: 'TWD', kind: 'fees' }),
      LedgerValidationError,
      'validation_failed',
    );
    const longest = 'L'.repeat(ID_LENGTH_MAX_CHARS - 20) + uniqueId('').slice(-20);
    expect((await ledger.createAccount({ id: longest, currency: 'TWD', kind: 'fees' })).status).toBe('created');
  });

  it('creates a batch with a result per item', async () => {
    const [a, b] = [uniqueId('acct'), uniqueId('acct')];
    await ledger.createAccount({ id: b, currency: 'TWD', kind: 'fees' });
    const results = await ledger.createAccounts([
      { id: a, currency: 'TWD', kind: 'escrow' },
      { id: b, currency: 'TWD', kind: 'fees' },
      { id: b, currency: 'USD', kind: 'fees' },
      { id: uniqueId('acct'), currency: 'XXX' as never, kind: 'fees' },
    ]);
    expect(results.map((r) => (r.ok ? r.status : r.error.code))).toEqual(['created', 'exists', 'account_id_conflict', 'validation_failed']);
  });

  it('lookupAccount answers null and balance refuses for an unknown account', async () => {
    expect(await ledger.lookupAccount(uniqueId('nobody'))).toBeNull();
    await expectRefusal(ledger.balance(uniqueId('nobody')), AccountNotFound, 'account_not_found');
  });
});

describe('single transfers', () => {
  it('moves money on both sides and keeps the totals at zero', async () => {
    const ids = await wallets(0);
    const id = uniqueId('t');
    const result = await ledger.createTransfer({
      id,
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 1500,
      currency: 'TWD',
      metadata: { orderId: 'o-1' },
    });
    expect(result.status).toBe('created');
    expect(result.transfer).toMatchObject({
      id,
      kind: 'single',
      amountMinor: 1500,
      currency: 'TWD',
      pendingId: null,
      state: null,
      metadata: { orderId: 'o-1' },
    });
    expect(await ledger.balance(ids.clearing)).toMatchObject({ debitsPostedMinor: 1500, creditsPostedMinor: 0 });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ creditsPostedMinor: 1500, debitsPostedMinor: 0, availableMinor: 1500 });
    const totals = await ledger.totalsByCurrency(Object.values(ids));
    expect(totals.TWD).toMatchObject({ netPostedMinor: 0, netPendingMinor: 0, debitsPostedMinor: 1500, creditsPostedMinor: 1500 });
    expect((await ledger.totalsByCurrency()).TWD).toMatchObject({ netPostedMinor: 0, netPendingMinor: 0 });
    expect(await ledger.lookupTransfer(id)).toEqual(result.transfer);
    expect(await ledger.lookupTransfer(uniqueId('none'))).toBeNull();
  });

  it('answers a retry with exists and moves the money once', async () => {
    const ids = await wallets(0);
    const input: TransferInput = {
      id: uniqueId('t'),
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 700,
      currency: 'TWD',
      metadata: { b: 2, a: 1 },
    };
    const first = await ledger.createTransfer(input);
    // Key order in metadata is not a difference.
    const again = await ledger.createTransfer({ ...input, metadata: { a: 1, b: 2 } });
    expect(again).toEqual({ status: 'exists', transfer: first.transfer });
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(700);
  });

  it.each([
    ['amount', { amountMinor: 701 }],
    ['metadata', { metadata: { a: 2 } }],
    ['credit account', { creditAccountId: 'other' }],
    ['kind', { kind: 'pending' }],
  ])('refuses the same id with a different %s', async (_field, change) => {
    const ids = await wallets(0);
    const input = {
      id: uniqueId('t'),
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 700,
      currency: 'TWD',
      metadata: { a: 1 },
    } as const;
    await ledger.createTransfer(input);
    const changed = { ...input, ...change } as TransferInput;
    if ('creditAccountId' in change) (changed as { creditAccountId: string }).creditAccountId = ids.escrow;
    await expectRefusal(ledger.createTransfer(changed), TransferIdConflict, 'transfer_id_conflict');
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(700);
    expect((await ledger.balance(ids.escrow)).creditsPostedMinor).toBe(0);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['unsafe', 2 ** 53],
    ['a string', '10'],
  ])('refuses a %s amount before any SQL', async (_name, amountMinor) => {
    const ids = await wallets(0);
    const id = uniqueId('t');
    await expectRefusal(
      ledger.createTransfer({
        id,
        debitAccountId: ids.clearing,
        creditAccountId: ids.wallet,
        amountMinor: amountMinor as number,
        currency: 'TWD',
      }),
      LedgerValidationError,
      'validation_failed',
    );
    expect(await ledger.lookupTransfer(id)).toBeNull();
  });

  it('refuses an unknown currency, a bad id, and a same-account transfer', async () => {
    const ids = await wallets(0);
    const base = { debitAccountId: ids.clearing, creditAccountId: ids.wallet, amountMinor: 1 };
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('t'), ...base, currency: 'EUR' as never }),
      LedgerValidationError,
      'validation_failed',
    );
    await expectRefusal(ledger.createTransfer({ id: '', ...base, currency: 'TWD' }), LedgerValidationError, 'validation_failed');
    await expectRefusal(
      ledger.createTransfer({ id: 'x'.repeat(ID_LENGTH_MAX_CHARS + 1), ...base, currency: 'TWD' }),
      LedgerValidationError,
      'validation_failed',
    );
    const same = uniqueId('t');
    await expectRefusal(
      ledger.createTransfer({ id: same, ...base, creditAccountId: ids.clearing, currency: 'TWD' }),
      AccountsMustBeDifferent,
      'accounts_must_be_different',
    );
    expect(await ledger.lookupTransfer(same)).toBeNull();
  });

  it('the SQL function refuses a same-account transfer on its own', async () => {
    const ids = await wallets(0);
    const { rows } = await h.knex.raw(`select status, error_code from ledger_create_transfer(?, 'single', ?, ?, 5, 'TWD', null, null)`, [
      uniqueId('t'),
      ids.clearing,
      ids.clearing,
    ]);
    expect(rows[0]).toEqual({ status: 'refused', error_code: 'accounts_must_be_different' });
  });

  it('refuses currency mismatches and unknown accounts without writing', async () => {
    const ids = await wallets(0);
    const jpy = (await createAccounts(ledger, { jpy: { currency: 'JPY', kind: 'user_wallet' } })).jpy;
    const missingDebit = uniqueId('missing');
    const missingCredit = uniqueId('missing');
    const cases: [TransferInput, new (...a: never[]) => LedgerError, string, string][] = [
      [
        { id: uniqueId('t'), debitAccountId: ids.clearing, creditAccountId: ids.wallet, amountMinor: 5, currency: 'USD' },
        CurrencyMismatch,
        'currency_mismatch',
        ids.clearing,
      ],
      [
        { id: uniqueId('t'), debitAccountId: ids.clearing, creditAccountId: jpy, amountMinor: 5, currency: 'TWD' },
        CurrencyMismatch,
        'currency_mismatch',
        jpy,
      ],
      [
        { id: uniqueId('t'), debitAccountId: missingDebit, creditAccountId: ids.wallet, amountMinor: 5, currency: 'TWD' },
        AccountNotFound,
        'account_not_found',
        missingDebit,
      ],
      [
        { id: uniqueId('t'), debitAccountId: ids.clearing, creditAccountId: missingCredit, amountMinor: 5, currency: 'TWD' },
        AccountNotFound,
        'account_not_found',
        missingCredit,
      ],
    ];
    for (const [input, type, code, accountId] of cases) {
      const err = await expectRefusal(ledger.createTransfer(input), type, code);
      expect((err as CurrencyMismatch | AccountNotFound).accountId).toBe(accountId);
      expect(await ledger.lookupTransfer(input.id)).toBeNull();
    }
    expect((await ledger.balance(ids.clearing)).debitsPostedMinor).toBe(0);
  });

  it('refuses a debit beyond the funds of a limited account and never goes negative', async () => {
    const ids = await wallets(100);
    const pay = (amountMinor: number) =>
      ledger.createTransfer({ id: uniqueId('pay'), debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor, currency: 'TWD' });
    const refused = await expectRefusal(pay(101), InsufficientFunds, 'insufficient_funds');
    expect((refused as InsufficientFunds).accountId).toBe(ids.wallet);
    expect(refused.retryable).toBe(false);
    await pay(100);
    await expectRefusal(pay(1), InsufficientFunds, 'insufficient_funds');
    expect(await ledger.balance(ids.wallet)).toMatchObject({ availableMinor: 0, debitsPostedMinor: 100, creditsPostedMinor: 100 });
    // The escrow is limited too: it can pass on what it holds, no more.
    await expectRefusal(
      ledger.createTransfer({
        id: uniqueId('rel'),
        debitAccountId: ids.escrow,
        creditAccountId: ids.wallet,
        amountMinor: 101,
        currency: 'TWD',
      }),
      InsufficientFunds,
      'insufficient_funds',
    );
  });

  it('refuses a credit beyond the debits of a credits-must-not-exceed-debits account', async () => {
    const ids = await createAccounts(ledger, {
      payout: { currency: 'THB', kind: 'payout_clearing', creditsMustNotExceedDebits: true },
      other: { currency: 'THB', kind: 'provider_clearing' },
    });
    await ledger.createTransfer({
      id: uniqueId('t'),
      debitAccountId: ids.payout,
      creditAccountId: ids.other,
      amountMinor: 50,
      currency: 'THB',
    });
    const err = await expectRefusal(
      ledger.createTransfer({
        id: uniqueId('t'),
        debitAccountId: ids.other,
        creditAccountId: ids.payout,
        amountMinor: 51,
        currency: 'THB',
      }),
      CreditsExceedDebits,
      'credits_exceed_debits',
    );
    expect((err as CreditsExceedDebits).accountId).toBe(ids.payout);
    await ledger.createTransfer({
      id: uniqueId('t'),
      debitAccountId: ids.other,
      creditAccountId: ids.payout,
      amountMinor: 50,
      currency: 'THB',
    });
    expect(await ledger.balance(ids.payout)).toMatchObject({ availableMinor: 0 });
  });
});

describe('pending transfers', () => {
  async function hold(amountMinor: number, fundMinor = 100) {
    const ids = await wallets(fundMinor);
    const pendingId = uniqueId('hold');
    const { transfer } = await ledger.createTransfer({
      id: pendingId,
      kind: 'pending',
      debitAccountId: ids.wallet,
      creditAccountId: ids.escrow,
      amountMinor,
      currency: 'TWD',
    });
    return { ids, pendingId, transfer };
  }

  it('reserves the amount against the limit until resolved', async () => {
    const { ids, transfer } = await hold(80);
    expect(transfer).toMatchObject({ kind: 'pending', state: 'pending', postedAmountMinor: null });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPendingMinor: 80, debitsPostedMinor: 0, availableMinor: 20 });
    expect(await ledger.balance(ids.escrow)).toMatchObject({ creditsPendingMinor: 80, creditsPostedMinor: 0, availableMinor: 0 });
    await expectRefusal(
      ledger.createTransfer({
        id: uniqueId('t'),
        debitAccountId: ids.wallet,
        creditAccountId: ids.escrow,
        amountMinor: 21,
        currency: 'TWD',
      }),
      InsufficientFunds,
      'insufficient_funds',
    );
    expect((await ledger.totalsByCurrency(Object.values(ids))).TWD).toMatchObject({ netPendingMinor: 0, debitsPendingMinor: 80 });
  });

  it('posts the full amount, answers a retry with exists, and refuses a second post or a void', async () => {
    const { ids, pendingId } = await hold(80);
    const postId = uniqueId('post');
    const posted = await ledger.createTransfer({ id: postId, pendingId, kind: 'post' });
    expect(posted.status).toBe('created');
    expect(posted.transfer).toMatchObject({
      kind: 'post',
      pendingId,
      amountMinor: 80,
      debitAccountId: ids.wallet,
      creditAccountId: ids.escrow,
      currency: 'TWD',
    });
    expect(await ledger.lookupTransfer(pendingId)).toMatchObject({ state: 'posted', postedAmountMinor: 80 });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPendingMinor: 0, debitsPostedMinor: 80, availableMinor: 20 });
    expect(await ledger.balance(ids.escrow)).toMatchObject({ creditsPendingMinor: 0, creditsPostedMinor: 80 });

    expect(await ledger.createTransfer({ id: postId, pendingId, kind: 'post' })).toEqual({ status: 'exists', transfer: posted.transfer });
    // Naming the full amount explicitly is the same request.
    expect((await ledger.createTransfer({ id: postId, pendingId, kind: 'post', amountMinor: 80 })).status).toBe('exists');
    await expectRefusal(
      ledger.createTransfer({ id: postId, pendingId, kind: 'post', amountMinor: 79 }),
      TransferIdConflict,
      'transfer_id_conflict',
    );
    await expectRefusal(ledger.createTransfer({ id: postId, pendingId, kind: 'void' }), TransferIdConflict, 'transfer_id_conflict');

    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('post'), pendingId, kind: 'post' }),
      PendingAlreadyPosted,
      'pending_already_posted',
    );
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('void'), pendingId, kind: 'void' }),
      PendingAlreadyPosted,
      'pending_already_posted',
    );
    expect(await ledger.balance(ids.escrow)).toMatchObject({ creditsPendingMinor: 0, creditsPostedMinor: 80 });
  });

  it('partial post posts part and releases the rest', async () => {
    const { ids, pendingId } = await hold(80);
    const { transfer } = await ledger.createTransfer({ id: uniqueId('post'), pendingId, kind: 'post', amountMinor: 30 });
    expect(transfer.amountMinor).toBe(30);
    expect(await ledger.lookupTransfer(pendingId)).toMatchObject({ state: 'posted', postedAmountMinor: 30, amountMinor: 80 });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPendingMinor: 0, debitsPostedMinor: 30, availableMinor: 70 });
    expect(await ledger.balance(ids.escrow)).toMatchObject({ creditsPendingMinor: 0, creditsPostedMinor: 30 });
  });

  it('refuses a partial post above the pending amount, and the hold stays', async () => {
    const { ids, pendingId } = await hold(80);
    const postId = uniqueId('post');
    await expectRefusal(
      ledger.createTransfer({ id: postId, pendingId, kind: 'post', amountMinor: 81 }),
      ExceedsPendingAmount,
      'exceeds_pending_amount',
    );
    expect(await ledger.lookupTransfer(postId)).toBeNull();
    expect(await ledger.lookupTransfer(pendingId)).toMatchObject({ state: 'pending' });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPendingMinor: 80, debitsPostedMinor: 0 });
  });

  it('voids: releases everything, and refuses a post or a second void afterwards', async () => {
    const { ids, pendingId } = await hold(80);
    const voided = await ledger.createTransfer({ id: uniqueId('void'), pendingId, kind: 'void' });
    expect(voided.transfer).toMatchObject({ kind: 'void', amountMinor: 80 });
    expect(await ledger.lookupTransfer(pendingId)).toMatchObject({ state: 'voided', postedAmountMinor: null });
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPendingMinor: 0, debitsPostedMinor: 0, availableMinor: 100 });
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('post'), pendingId, kind: 'post' }),
      PendingAlreadyVoided,
      'pending_already_voided',
    );
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('void'), pendingId, kind: 'void' }),
      PendingAlreadyVoided,
      'pending_already_voided',
    );
  });

  it('refuses to resolve an unknown or non-pending transfer, and a void with an amount', async () => {
    const ids = await wallets(100);
    const single = uniqueId('t');
    await ledger.createTransfer({ id: single, debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 5, currency: 'TWD' });
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('post'), pendingId: single, kind: 'post' }),
      PendingTransferNotPending,
      'pending_transfer_not_pending',
    );
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('post'), pendingId: uniqueId('nothing'), kind: 'post' }),
      PendingTransferNotFound,
      'pending_transfer_not_found',
    );
    await expectRefusal(
      ledger.createTransfer({ id: uniqueId('void'), pendingId: single, kind: 'void', amountMinor: 5 } as never),
      LedgerValidationError,
      'validation_failed',
    );
    await expectRefusal(ledger.createTransfer({ id: single, pendingId: single, kind: 'void' }), LedgerValidationError, 'validation_failed');
  });

  it('resolves a pending transfer at most once under concurrent posts and voids', async () => {
    const { ids, pendingId } = await hold(90);
    const attempts = Array.from({ length: 12 }, (_, i) =>
      ledger
        .createTransfer(
          i % 2 === 0
            ? { id: uniqueId('post'), pendingId, kind: 'post', amountMinor: 10 + i }
            : { id: uniqueId('void'), pendingId, kind: 'void' },
        )
        .then(
          (r) => r,
          (e: LedgerError) => e,
        ),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => !(r instanceof Error));
    expect(winners).toHaveLength(1);
    const final = await ledger.lookupTransfer(pendingId);
    const loserCode = final?.state === 'posted' ? 'pending_already_posted' : 'pending_already_voided';
    for (const r of results) if (r instanceof Error) expect(r.code).toBe(loserCode);
    const postedMinor = final?.postedAmountMinor ?? 0;
    expect(await ledger.balance(ids.wallet)).toMatchObject({
      debitsPendingMinor: 0,
      debitsPostedMinor: postedMinor,
      availableMinor: 100 - postedMinor,
    });
  });
});

describe('concurrency', () => {
  it('creates a transfer once when the same id arrives many times at once', async () => {
    const ids = await wallets(0);
    const input: TransferInput = {
      id: uniqueId('t'),
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 33,
      currency: 'TWD',
    };
    const results = await Promise.all(Array.from({ length: 16 }, () => ledger.createTransfer(input)));
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'exists')).toHaveLength(15);
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(33);
  });

  it('lets exactly as many concurrent debits through as the funds cover', async () => {
    const ids = await wallets(100);
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        ledger
          .createTransfer({
            id: uniqueId('pay'),
            kind: i % 3 === 0 ? 'pending' : 'single',
            debitAccountId: ids.wallet,
            creditAccountId: ids.escrow,
            amountMinor: 10,
            currency: 'TWD',
          })
          .then(
            () => 'ok',
            (e: LedgerError) => e.code,
          ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r === 'insufficient_funds')).toHaveLength(14);
    const wallet = await ledger.balance(ids.wallet);
    expect(wallet.availableMinor).toBe(0);
    expect(wallet.debitsPostedMinor + wallet.debitsPendingMinor).toBe(100);
  });

  it('many payers into one account land on several shards and sum exactly', async () => {
    const ids = await createAccounts(ledger, {
      clearing: { currency: 'USD', kind: 'provider_clearing', shardCount: 16 },
      seller: { currency: 'USD', kind: 'user_wallet', debitsMustNotExceedCredits: true, shardCount: 16 },
    });
    const n = 64;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ledger.createTransfer({
          id: uniqueId('sale'),
          debitAccountId: ids.clearing,
          creditAccountId: ids.seller,
          amountMinor: i + 1,
          currency: 'USD',
        }),
      ),
    );
    expect((await ledger.balance(ids.seller)).creditsPostedMinor).toBe((n * (n + 1)) / 2);
    const used = await h
      .knex('ledger_balances')
      .where({ account_id: ids.seller })
      .andWhere('credits_posted', '>', 0)
      .count<{ count: string }[]>('* as count');
    expect(Number(used[0].count)).toBeGreaterThan(1);
  });
});

describe('batches', () => {
  it('applies items in order, each on its own, with a result per item', async () => {
    const ids = await wallets(100);
    const holdId = uniqueId('hold');
    const okId = uniqueId('t');
    const results = await ledger.createTransfers([
      { id: okId, debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 30, currency: 'TWD' },
      { id: uniqueId('t'), debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 71, currency: 'TWD' },
      { id: holdId, kind: 'pending', debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 50, currency: 'TWD' },
      { id: uniqueId('post'), pendingId: holdId, kind: 'post', amountMinor: 20 },
      { id: uniqueId('t'), debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 0, currency: 'TWD' },
      { id: okId, debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 30, currency: 'TWD' },
      { id: uniqueId('void'), pendingId: holdId, kind: 'void' },
      { id: uniqueId('t'), debitAccountId: ids.wallet, creditAccountId: ids.escrow, amountMinor: 50, currency: 'TWD' },
    ]);
    expect(results.map((r) => (r.ok ? r.status : r.error.code))).toEqual([
      'created',
      'insufficient_funds',
      'created',
      'created',
      'validation_failed',
      'exists',
      'pending_already_posted',
      'created',
    ]);
    expect(await ledger.balance(ids.wallet)).toMatchObject({ debitsPostedMinor: 100, debitsPendingMinor: 0, availableMinor: 0 });
    const stored = await storedTransfers(h.knex, Object.values(ids));
    expect(sumsFromTransfers([ids.wallet], stored).get(ids.wallet)).toMatchObject({ debitsPostedMinor: 100, debitsPendingMinor: 0 });
  });

  it('concurrent batches over the same accounts in opposite orders all complete and add up', async () => {
    const ids = await createAccounts(ledger, {
      a: { currency: 'TWD', kind: 'user_wallet', shardCount: 2 },
      b: { currency: 'TWD', kind: 'user_wallet', shardCount: 2 },
      c: { currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true, shardCount: 2 },
      d: { currency: 'TWD', kind: 'fees', shardCount: 1 },
    });
    const ring = [ids.a, ids.b, ids.c, ids.d];
    const batches = Array.from({ length: 8 }, (_, batch) =>
      Array.from({ length: 40 }, (_, i): TransferInput => {
        const step = batch % 2 === 0 ? i : 39 - i;
        return {
          id: uniqueId(`cb${batch}`),
          debitAccountId: ring[step % 2],
          creditAccountId: ring[2 + ((step >> 1) % 2)],
          amountMinor: 1 + (step % 5),
          currency: 'TWD',
        };
      }),
    );
    const results = (await Promise.all(batches.map((items) => ledger.createTransfers(items)))).flat();
    expect(results.every((r) => r.ok && r.status === 'created')).toBe(true);
    const stored = await storedTransfers(h.knex, ring);
    expect(stored).toHaveLength(8 * 40);
    const expected = sumsFromTransfers(ring, stored);
    for (const id of ring) {
      const { accountId: _a, currency: _c, availableMinor: _v, ...sums } = await ledger.balance(id);
      expect(sums).toEqual(expected.get(id));
    }
  });

  it('refuses a batch above the size limit before any SQL', async () => {
    const ids = await wallets(0);
    const items = Array.from({ length: BATCH_SIZE_MAX_ITEMS + 1 }, (_, i) => ({
      id: `big-${i}-${ids.wallet}`,
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 1,
      currency: 'TWD' as const,
    }));
    await expectRefusal(ledger.createTransfers(items), LedgerValidationError, 'validation_failed');
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(0);
  });
});

describe('records are immutable', () => {
  // As the tables' owner: the app's role may not even try (test/ledger/roles.test.ts).
  it('the database refuses to change or delete a transfer, an account or a balance shard', async () => {
    const ids = await wallets(10);
    const [fund] = await storedTransfers(h.knex, [ids.wallet]);
    const owner = createKnex(testOwnerDatabaseUrl(), 1);
    try {
      await expect(owner('ledger_transfers').where({ id: fund.id }).update({ amount_minor: 1 })).rejects.toThrow(/immutable/);
      await expect(owner('ledger_transfers').where({ id: fund.id }).delete()).rejects.toThrow(/immutable/);
      await expect(owner('ledger_accounts').where({ id: ids.wallet }).update({ debits_must_not_exceed_credits: false })).rejects.toThrow(
        /immutable/,
      );
      await expect(owner('ledger_balances').where({ account_id: ids.wallet }).delete()).rejects.toThrow(/immutable/);
    } finally {
      await owner.destroy();
    }
    expect((await ledger.balance(ids.wallet)).creditsPostedMinor).toBe(10);
  });
});

describe('errors', () => {
  it('every refusal has a stable code and is not retryable', () => {
    const samples: LedgerError[] = [
      new LedgerValidationError('f', 'r'),
      new AccountNotFound('a'),
      new AccountIdConflict('a'),
      new TransferIdConflict('t'),
      new AccountsMustBeDifferent('t', 'a'),
      new CurrencyMismatch('t', 'a'),
      new InsufficientFunds('t', 'a'),
      new CreditsExceedDebits('t', 'a'),
      new PendingTransferNotFound('t', 'p'),
      new PendingTransferNotPending('t', 'p'),
      new PendingAlreadyPosted('t', 'p'),
      new PendingAlreadyVoided('t', 'p'),
      new ExceedsPendingAmount('t', 'p'),
    ];
    expect(samples.map((e) => `${e.name}:${e.code}`)).toEqual([
      'LedgerValidationError:validation_failed',
      'AccountNotFound:account_not_found',
      'AccountIdConflict:account_id_conflict',
      'TransferIdConflict:transfer_id_conflict',
      'AccountsMustBeDifferent:accounts_must_be_different',
      'CurrencyMismatch:currency_mismatch',
      'InsufficientFunds:insufficient_funds',
      'CreditsExceedDebits:credits_exceed_debits',
      'PendingTransferNotFound:pending_transfer_not_found',
      'PendingTransferNotPending:pending_transfer_not_pending',
      'PendingAlreadyPosted:pending_already_posted',
      'PendingAlreadyVoided:pending_already_voided',
      'ExceedsPendingAmount:exceeds_pending_amount',
    ]);
    for (const e of samples) {
      expect(e).toBeInstanceOf(LedgerError);
      expect(e.retryable).toBe(false);
    }
  });
});
