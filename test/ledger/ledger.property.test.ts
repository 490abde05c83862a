import fc from 'fast-check';
import {
  LedgerError,
  type Balance,
  type CreateAccountInput,
  type Currency,
  type Ledger,
  type TransferInput,
  type TransferResult,
} from '../../src/ledger';
import { uniqueId } from '../support/env';
import { openLedger, storedTransfers, sumsFromTransfers, zeroSums, type LedgerHarness, type Sums } from './support';

/**
 * Random rounds of concurrent operations (each round is one Promise.all) over a handful of
 * accounts, some with limits, in two currencies. The checks do not trust the shards: balances
 * are compared with what the callers were told and with the transfers table.
 */

const ACCOUNTS: Omit<CreateAccountInput, 'id' | 'shardCount'>[] = [
  { currency: 'TWD', kind: 'provider_clearing' },
  { currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true },
  { currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true },
  { currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true },
  { currency: 'TWD', kind: 'fees' },
  { currency: 'TWD', kind: 'payout_clearing', creditsMustNotExceedDebits: true },
  { currency: 'JPY', kind: 'provider_clearing' },
  { currency: 'JPY', kind: 'user_wallet', debitsMustNotExceedCredits: true },
];
// Clearing accounts fund the others; the limited accounts are listed often as sources so that
// concurrent debits race for the same funds.
const SOURCES = [0, 0, 0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 7];

type Op =
  | { kind: 'single' | 'pending'; from: number; to: number; amount: number; wrongCurrency: boolean }
  | { kind: 'post'; target: number; amount: number | null }
  | { kind: 'void'; target: number };

const amountArb = fc.integer({ min: 1, max: 80 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('single' as const, 'pending' as const),
      from: fc.constantFrom(...SOURCES),
      to: fc.nat(),
      amount: amountArb,
      wrongCurrency: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('post' as const), target: fc.nat(), amount: fc.option(amountArb, { nil: null }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), target: fc.nat() }) },
);
const scenarioArb = fc.record({
  shardCounts: fc.array(fc.constantFrom(1, 2, 3, 8), { minLength: ACCOUNTS.length, maxLength: ACCOUNTS.length }),
  // Opening credits (minor units) of the limited accounts, so their first debits have funds to race for.
  openings: fc.array(fc.integer({ min: 0, max: 250 }), { minLength: ACCOUNTS.length, maxLength: ACCOUNTS.length }),
  rounds: fc.array(fc.array(opArb, { minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 6 }),
});

type Outcome = TransferResult | LedgerError;
interface Executed {
  input: TransferInput;
  round: number;
  first: Outcome;
}

const ALLOWED_CODES: Record<string, string[]> = {
  single: ['insufficient_funds', 'credits_exceed_debits', 'currency_mismatch'],
  pending: ['insufficient_funds', 'credits_exceed_debits', 'currency_mismatch'],
  post: ['pending_transfer_not_found', 'pending_already_posted', 'pending_already_voided', 'exceeds_pending_amount'],
  void: ['pending_transfer_not_found', 'pending_already_posted', 'pending_already_voided'],
};
// A replay of these may succeed now (funds arrived, the pending got committed), which is correct
// behaviour, not a second movement: refused transfers leave no record to be idempotent about.
const MAY_SUCCEED_LATER = new Set(['insufficient_funds', 'credits_exceed_debits', 'pending_transfer_not_found']);

let h: LedgerHarness;
let ledger: Ledger;
beforeAll(() => {
  h = openLedger();
  ledger = h.ledger;
});
afterAll(() => h.close());

function settle(p: Promise<TransferResult>): Promise<Outcome> {
  return p.then(
    (r) => r,
    (e: unknown) => {
      if (e instanceof LedgerError) return e;
      throw e;
    },
  );
}

/**
 * Turns generated ops into inputs: ids are fresh; a credit goes to another account of the same
 * currency unless the op asks for a wrong currency; post/void targets a pending from an earlier
 * round when there is one (so it is committed), else one racing in the same round.
 */
function toInputs(run: string, accountIds: string[], rounds: Op[][]): TransferInput[][] {
  const earlierPendingIds: string[] = [];
  let n = 0;
  return rounds.map((ops) => {
    const roundPendingIds: string[] = [];
    const inputs = ops.map((op): TransferInput => {
      const id = `${run}-${(n += 1)}-${op.kind}`;
      if (op.kind === 'post' || op.kind === 'void') {
        const pool = earlierPendingIds.length > 0 && op.target % 5 !== 0 ? earlierPendingIds : roundPendingIds;
        const pendingId = pool.length > 0 ? pool[op.target % pool.length] : `${run}-no-such-pending`;
        return op.kind === 'post'
          ? { id, kind: 'post', pendingId, ...(op.amount === null ? {} : { amountMinor: op.amount }) }
          : { id, kind: 'void', pendingId };
      }
      const debitCurrency = ACCOUNTS[op.from].currency;
      const peers = ACCOUNTS.flatMap((a, i) => (a.currency === debitCurrency && i !== op.from ? [i] : []));
      const to = peers[op.to % peers.length];
      const currency: Currency = op.wrongCurrency ? (debitCurrency === 'TWD' ? 'JPY' : 'TWD') : debitCurrency;
      if (op.kind === 'pending') roundPendingIds.push(id);
      return { id, kind: op.kind, debitAccountId: accountIds[op.from], creditAccountId: accountIds[to], amountMinor: op.amount, currency };
    });
    earlierPendingIds.push(...roundPendingIds);
    return inputs;
  });
}

/** Credits each debit-limited account and debits each credit-limited one from its currency's clearing account. */
function openingInputs(run: string, accountIds: string[], openings: number[]): TransferInput[] {
  return ACCOUNTS.flatMap((a, i): TransferInput[] => {
    if (openings[i] === 0 || !(a.debitsMustNotExceedCredits || a.creditsMustNotExceedDebits)) return [];
    const clearing = accountIds[ACCOUNTS.findIndex((c) => c.kind === 'provider_clearing' && c.currency === a.currency)];
    const [debitAccountId, creditAccountId] = a.debitsMustNotExceedCredits ? [clearing, accountIds[i]] : [accountIds[i], clearing];
    return [{ id: `${run}-open-${i}`, debitAccountId, creditAccountId, amountMinor: openings[i], currency: a.currency }];
  });
}

async function balances(accountIds: string[]): Promise<Map<string, Balance>> {
  return new Map(await Promise.all(accountIds.map(async (id) => [id, await ledger.balance(id)] as const)));
}

function sumsOf(b: Balance): Sums {
  const { debitsPostedMinor, creditsPostedMinor, debitsPendingMinor, creditsPendingMinor } = b;
  return { debitsPostedMinor, creditsPostedMinor, debitsPendingMinor, creditsPendingMinor };
}

/** The balances the callers were promised, from the results they got back. */
function sumsFromOutcomes(accountIds: string[], executed: Executed[]): Map<string, Sums> {
  const sums = new Map(accountIds.map((id) => [id, zeroSums()]));
  const resolved = new Set<string>();
  for (const e of executed) {
    if (e.first instanceof LedgerError) continue;
    const t = e.first.transfer;
    if (t.kind === 'post' || t.kind === 'void') resolved.add(t.pendingId as string);
  }
  for (const e of executed) {
    if (e.first instanceof LedgerError) continue;
    const t = e.first.transfer;
    const debit = sums.get(t.debitAccountId) as Sums;
    const credit = sums.get(t.creditAccountId) as Sums;
    if (t.kind === 'single' || t.kind === 'post') {
      debit.debitsPostedMinor += t.amountMinor;
      credit.creditsPostedMinor += t.amountMinor;
    } else if (t.kind === 'pending' && !resolved.has(t.id)) {
      debit.debitsPendingMinor += t.amountMinor;
      credit.creditsPendingMinor += t.amountMinor;
    }
  }
  return sums;
}

function limitsHold(b: Balance): boolean {
  return b.availableMinor === undefined || b.availableMinor >= 0;
}

async function checkScenario(shardCounts: number[], openings: number[], rounds: Op[][]): Promise<void> {
  const run = uniqueId('prop');
  const accountIds = ACCOUNTS.map((_, i) => `${run}-a${i}`);
  const created = await ledger.createAccounts(ACCOUNTS.map((a, i) => ({ ...a, id: accountIds[i], shardCount: shardCounts[i] })));
  expect(created.every((r) => r.ok && r.status === 'created')).toBe(true);
  const inputRounds = [openingInputs(run, accountIds, openings), ...toInputs(run, accountIds, rounds)];

  // Concurrent rounds; balance reads of every account race with the writes, and each read
  // must already satisfy the limits.
  const executed: Executed[] = [];
  for (const [round, inputs] of inputRounds.entries()) {
    const [outcomes, midBalances] = await Promise.all([
      Promise.all(inputs.map((input) => settle(ledger.createTransfer(input)))),
      balances(accountIds),
    ]);
    for (const b of midBalances.values()) expect(limitsHold(b)).toBe(true);
    inputs.forEach((input, i) => executed.push({ input, round, first: outcomes[i] }));
  }

  for (const e of executed) {
    if (e.first instanceof LedgerError) expect(ALLOWED_CODES[e.input.kind ?? 'single']).toContain(e.first.code);
  }

  // Money is conserved per currency.
  const totals = await ledger.totalsByCurrency(accountIds);
  for (const currency of ['TWD', 'JPY'] as const) {
    expect(totals[currency].netPostedMinor).toBe(0);
    expect(totals[currency].netPendingMinor).toBe(0);
  }

  // No limited account over its limit; balances agree with the callers and with the table.
  const after = await balances(accountIds);
  for (const b of after.values()) expect(limitsHold(b)).toBe(true);
  const promised = sumsFromOutcomes(accountIds, executed);
  const stored = await storedTransfers(h.knex, accountIds);
  const recomputed = sumsFromTransfers(accountIds, stored);
  for (const id of accountIds) {
    expect(sumsOf(after.get(id) as Balance)).toEqual(promised.get(id));
    expect(sumsOf(after.get(id) as Balance)).toEqual(recomputed.get(id));
  }
  const createdCount = executed.filter((e) => !(e.first instanceof LedgerError)).length;
  expect(stored).toHaveLength(createdCount);

  // Pending semantics: at most one resolution, the state says which, refusals fit the state.
  const pendings = executed.filter((e) => e.input.kind === 'pending');
  for (const p of pendings) {
    const resolutions = executed.filter((e) => (e.input.kind === 'post' || e.input.kind === 'void') && e.input.pendingId === p.input.id);
    const winners = resolutions.filter((r) => !(r.first instanceof LedgerError));
    expect(winners.length).toBeLessThanOrEqual(1);
    const stored = await ledger.lookupTransfer(p.input.id);
    if (p.first instanceof LedgerError) {
      expect(stored).toBeNull();
      expect(winners).toHaveLength(0);
      continue;
    }
    const pendingAmount = p.first.transfer.amountMinor;
    const winner = winners[0]?.first as TransferResult | undefined;
    expect(stored?.state).toBe(winner === undefined ? 'pending' : winner.transfer.kind === 'post' ? 'posted' : 'voided');
    if (winner?.transfer.kind === 'post') {
      const asked = (winners[0].input as { amountMinor?: number }).amountMinor;
      // A partial post posts what was asked; the rest went back (checked by the sums above).
      expect(winner.transfer.amountMinor).toBe(asked ?? pendingAmount);
      expect(stored?.postedAmountMinor).toBe(winner.transfer.amountMinor);
    }
    if (winner?.transfer.kind === 'void') expect(winner.transfer.amountMinor).toBe(pendingAmount);
    for (const r of resolutions) {
      if (!(r.first instanceof LedgerError)) continue;
      const code = r.first.code;
      if (code === 'pending_already_posted') expect(stored?.state).toBe('posted');
      if (code === 'pending_already_voided') expect(stored?.state).toBe('voided');
      if (code === 'exceeds_pending_amount') expect((r.input as { amountMinor?: number }).amountMinor).toBeGreaterThan(pendingAmount);
      // Not found is only possible while the pending was still in flight in the same round.
      if (code === 'pending_transfer_not_found') expect(r.round).toBe(p.round);
    }
  }

  // Idempotency: replaying the operations, concurrently again, moves nothing.
  const replayable = executed.filter((e) => !(e.first instanceof LedgerError && MAY_SUCCEED_LATER.has(e.first.code)));
  const replayed = await Promise.all(replayable.map((e) => settle(ledger.createTransfer(e.input))));
  replayable.forEach((e, i) => {
    const again = replayed[i];
    if (e.first instanceof LedgerError) {
      expect(again).toBeInstanceOf(LedgerError);
      return;
    }
    expect(again).not.toBeInstanceOf(LedgerError);
    const { state: _s, postedAmountMinor: _p, ...firstFields } = e.first.transfer;
    const { state: _s2, postedAmountMinor: _p2, ...againFields } = (again as TransferResult).transfer;
    expect((again as TransferResult).status).toBe('exists');
    expect(againFields).toEqual(firstFields);
  });
  const afterReplay = await balances(accountIds);
  for (const id of accountIds) expect(afterReplay.get(id)).toEqual(after.get(id));
  expect(await storedTransfers(h.knex, accountIds)).toHaveLength(createdCount);
}

describe('ledger properties under concurrency', () => {
  it('conserves money, respects limits, resolves pendings once, and is idempotent', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, ({ shardCounts, openings, rounds }) => checkScenario(shardCounts, openings, rounds)),
      { numRuns: 40 },
    );
  });
});
