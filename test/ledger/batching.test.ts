import { InsufficientFunds, type TransferInput } from '../../src/ledger';
import { transferBatcher } from '../../src/ledger/batcher';
import { uniqueId } from '../support/env';
import { createAccounts, openLedger, type LedgerHarness } from './support';

/** Adaptive group commit: transfers that wait for a busy slot share round trips, yet each caller gets its own answer. */
describe('automatic batching of single transfers', () => {
  let h: LedgerHarness;
  beforeAll(() => {
    h = openLedger();
  });
  afterAll(() => h.close());

  /** A fake ledger: every other item refused; the first call waits for the gate, so the rest queue behind it. */
  function gatedSenders() {
    const calls: Array<number | 'single'> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const answer = (input: TransferInput, i: number) =>
      i % 2 === 0
        ? { ok: true as const, status: 'created' as const, transfer: { id: input.id } as never }
        : { ok: false as const, error: new InsufficientFunds('acct', 'debit') };
    const sendBatch = async (inputs: TransferInput[]) => {
      calls.push(inputs.length);
      if (calls.length === 1) await gate;
      return inputs.map(answer);
    };
    const sendOne = async (input: TransferInput) => {
      calls.push('single');
      if (calls.length === 1) await gate;
      const result = answer(input, Number(input.id.slice(1)));
      if (!result.ok) throw result.error;
      return { status: result.status, transfer: result.transfer };
    };
    return { calls, release, sendBatch, sendOne };
  }
  const submitAll = (batcher: ReturnType<typeof transferBatcher>, count: number) =>
    Array.from({ length: count }, (_, i) =>
      batcher.submit({ id: `t${i}`, debitAccountId: 'a', creditAccountId: 'b', amountMinor: 1, currency: 'TWD' }).then(
        (r) => r.transfer.id,
        (e: unknown) => (e as Error).name,
      ),
    );

  it('batches only what waits for a busy slot, and answers every caller alone', async () => {
    const fake = gatedSenders();
    const batcher = transferBatcher(fake.sendBatch, fake.sendOne, { maxItems: 10, maxInFlight: 1 });
    const answers = submitAll(batcher, 21);
    fake.release();
    const results = await Promise.all(answers);
    expect(fake.calls).toEqual(['single', 10, 10]); // the first alone on the single path, then full batches of what had queued
    // Within a batch every other item is refused: each caller hears about its own item only.
    expect(results.slice(0, 4)).toEqual(['t0', 't1', 'InsufficientFunds', 't3']);
  });

  it('with a free slot for each caller, sends each transfer alone (as one commit each would)', async () => {
    const fake = gatedSenders();
    const batcher = transferBatcher(fake.sendBatch, fake.sendOne, { maxItems: 10, maxInFlight: 4 });
    const answers = submitAll(batcher, 4);
    fake.release();
    expect(await Promise.all(answers)).toEqual(['t0', 'InsufficientFunds', 't2', 'InsufficientFunds']);
    expect(fake.calls).toEqual(['single', 'single', 'single', 'single']);
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
