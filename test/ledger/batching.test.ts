import { InsufficientFunds, type TransferInput } from '../../src/ledger';
import { transferBatcher } from '../../src/ledger/batcher';
import { uniqueId } from '../support/env';
import { createAccounts, openLedger, type LedgerHarness } from './support';

/** Group commit: concurrent single transfers share round trips, yet each caller gets its own answer. */
describe('automatic batching of single transfers', () => {
  let h: LedgerHarness;
  beforeAll(() => {
    h = openLedger();
  });
  afterAll(() => h.close());

  it('groups what arrives while a batch is in flight, and answers every caller alone', async () => {
    const batches: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = transferBatcher(
      async (inputs: TransferInput[]) => {
        batches.push(inputs.length);
        if (batches.length === 1) await gate; // the first batch is slow: the rest queue behind it
        return inputs.map((input, i) =>
          i % 2 === 0
            ? { ok: true as const, status: 'created' as const, transfer: { id: input.id } as never }
            : { ok: false as const, error: new InsufficientFunds('acct', 'debit') },
        );
      },
      { maxItems: 10, maxInFlight: 1 },
    );
    const answers = Array.from({ length: 21 }, (_, i) =>
      batcher.submit({ id: `t${i}`, debitAccountId: 'a', creditAccountId: 'b', amountMinor: 1, currency: 'TWD' }).then(
        (r) => r.transfer.id,
        (e: unknown) => (e as Error).name,
      ),
    );
    release();
    const results = await Promise.all(answers);
    expect(batches).toEqual([1, 10, 10]); // the first alone, then full batches of what had queued
    // Within a batch every other item is refused: each caller hears about its own item only.
    expect(results.slice(0, 4)).toEqual(['t0', 't1', 'InsufficientFunds', 't3']);
  });

  it('on the real ledger: 200 concurrent transfers, one overdraft refused, money conserved', async () => {
    const ids = await createAccounts(h.ledger, {
      clearing: { currency: 'TWD', kind: 'provider_clearing' },
      wallet: { currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true },
      hot: { currency: 'TWD', kind: 'escrow', shardCount: 16 },
    });
    await h.ledger.createTransfer({
      id: uniqueId('fund'),
      debitAccountId: ids.clearing,
      creditAccountId: ids.wallet,
      amountMinor: 199,
      currency: 'TWD',
    });
    const moves = Array.from({ length: 200 }, (_, i) =>
      h.ledger
        .createTransfer({
          id: uniqueId(`move-${i}`),
          debitAccountId: ids.wallet,
          creditAccountId: ids.hot,
          amountMinor: 1,
          currency: 'TWD',
        })
        .then(
          () => 'ok',
          (e: unknown) => (e as Error).name,
        ),
    );
    const outcomes = await Promise.all(moves);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(199);
    expect(outcomes.filter((o) => o === 'InsufficientFunds')).toHaveLength(1);
    const wallet = await h.ledger.balance(ids.wallet);
    expect(wallet.creditsPostedMinor - wallet.debitsPostedMinor).toBe(0);
    expect((await h.ledger.totalsByCurrency([ids.clearing, ids.wallet, ids.hot])).TWD.netPostedMinor).toBe(0);
  });
});
