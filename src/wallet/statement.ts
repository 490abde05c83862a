import type { Knex } from 'knex';
import { transactionCode } from '../domain/ids';
import { CURRENCIES, type Currency } from '../domain/money';

/**
 * What a party's e-wallet holds and how it got there, read from the ledger (the app role reads
 * it; it writes only through the ledger's functions) and the orders read model:
 * - available: posted credits less posted debits less money reserved by payouts under way;
 * - held: the party's deals whose money sits in escrow now (paid, not yet released), at the
 *   order's total — it becomes available when the buyer agrees or the window closes;
 * - withdrawing: payouts reserved and not yet paid.
 * Movements are the wallet's transfers, newest first, each named by the deal or payout that
 * caused it (the transfer id says which: src/domain/ids.ts).
 */
export interface CurrencyBalance {
  currency: Currency;
  availableMinor: number;
  heldMinor: number;
  withdrawingMinor: number;
}

export type MovementKind = 'deal_release' | 'deal_refund' | 'payout' | 'fee' | 'other';

export interface Movement {
  transferId: string;
  at: string;
  kind: MovementKind;
  currency: Currency;
  /** Signed: money in is positive. */
  amountMinor: number;
  /** pending: a payout reserved, not yet paid; posted: done. Voided reservations are left out. */
  status: 'pending' | 'posted';
  paymentCode?: string;
  transactionCode?: string;
  productName?: string;
  /** The platform fee the deal paid out of escrow into a fee account (ledger kind `fees`), if any. */
  feeMinor?: number;
  payoutId?: string;
}

export interface WalletStatement {
  state: string;
  balances: CurrencyBalance[];
  movements: Movement[];
}

/** Deal states whose money is in escrow, on its way to the seller (or back). */
export const HELD_STATES = ['escrow', 'disputed', 'settling', 'parked'] as const;
export const MOVEMENTS_MAX = 100;

export async function walletStatement(knex: Knex, userId: string, options: { movementsMax?: number } = {}): Promise<WalletStatement> {
  const wallet = await knex('wallets').where({ user_id: userId }).first('state');
  const accountIds = CURRENCIES.map((c) => `wallet:${userId}:${c}`);
  const sums = await knex.raw<{ rows: { currency: Currency; posted: string; pending_out: string }[] }>(
    `select a.currency,
            coalesce(sum(b.credits_posted - b.debits_posted), 0) as posted,
            coalesce(sum(b.debits_pending), 0) as pending_out
       from ledger_accounts a left join ledger_balances b on b.account_id = a.id
      where a.id = any (?)
      group by a.currency`,
    [accountIds],
  );
  const held = await knex('orders')
    .where({ seller_id: userId })
    .whereIn('state', HELD_STATES as unknown as string[])
    .groupBy('currency')
    .select('currency')
    .sum({ held: 'total_minor' });
  const byCurrency = new Map<Currency, CurrencyBalance>();
  const entry = (currency: Currency) => {
    let b = byCurrency.get(currency);
    if (!b) byCurrency.set(currency, (b = { currency, availableMinor: 0, heldMinor: 0, withdrawingMinor: 0 }));
    return b;
  };
  for (const row of sums.rows) {
    const b = entry(row.currency);
    b.withdrawingMinor = Number(row.pending_out);
    b.availableMinor = Number(row.posted) - b.withdrawingMinor;
  }
  for (const row of held as unknown as { currency: Currency; held: string }[]) entry(row.currency).heldMinor = Number(row.held);

  const rows = await knex.raw<{
    rows: {
      id: string;
      debit_account_id: string;
      credit_account_id: string;
      amount_minor: string;
      posted_amount_minor: string | null;
      currency: Currency;
      kind: string;
      state: string | null;
      created_at: Date;
    }[];
  }>(
    `select id, debit_account_id, credit_account_id, amount_minor, posted_amount_minor, currency, kind, state, created_at
       from ledger_transfers
      where (debit_account_id = any (?) or credit_account_id = any (?))
        and kind in ('single', 'pending')
        and (state is null or state <> 'voided')
      order by created_at desc, id desc
      limit ?`,
    [accountIds, accountIds, options.movementsMax ?? MOVEMENTS_MAX],
  );
  const movements: Movement[] = rows.rows.map((r) => {
    const incoming = accountIds.includes(r.credit_account_id);
    const amount = Number(r.state === 'posted' && r.posted_amount_minor !== null ? r.posted_amount_minor : r.amount_minor);
    return {
      transferId: r.id,
      at: new Date(r.created_at).toISOString(),
      currency: r.currency,
      amountMinor: incoming ? amount : -amount,
      status: r.state === 'pending' ? 'pending' : 'posted',
      ...describe(r.id),
    };
  });
  const codes = [...new Set(movements.map((m) => m.paymentCode).filter((c): c is string => c !== undefined))];
  if (codes.length > 0) {
    const names = new Map(
      (await knex('orders').whereIn('payment_code', codes).select('payment_code', 'product_name')).map((o) => [
        o.payment_code,
        o.product_name,
      ]),
    );
    const fees = await knex.raw<{ rows: { debit_account_id: string; fee: string }[] }>(
      `select t.debit_account_id, sum(coalesce(t.posted_amount_minor, t.amount_minor)) as fee
         from ledger_transfers t join ledger_accounts a on a.id = t.credit_account_id
        where t.debit_account_id = any (?) and a.kind = 'fees' and t.kind in ('single', 'pending')
          and (t.state is null or t.state = 'posted')
        group by t.debit_account_id`,
      [codes.map((c) => `escrow:${c}`)],
    );
    const feeOf = new Map(fees.rows.map((f) => [f.debit_account_id.slice('escrow:'.length), Number(f.fee)]));
    for (const m of movements) {
      if (!m.paymentCode) continue;
      m.productName = names.get(m.paymentCode);
      if (m.kind === 'deal_release' && feeOf.has(m.paymentCode)) m.feeMinor = feeOf.get(m.paymentCode);
    }
  }
  const balances = CURRENCIES.map((c) => byCurrency.get(c)).filter((b): b is CurrencyBalance => b !== undefined);
  return { state: wallet?.state ?? 'inactive', balances, movements };
}

/** What caused a transfer, from its id: `order:<code>:release:<n>`, `payout:<id>:hold`, … */
function describe(transferId: string): Pick<Movement, 'kind' | 'paymentCode' | 'transactionCode' | 'payoutId'> {
  const order = /^order:([0-9A-Z]{26}):([a-z-]+)/.exec(transferId);
  if (order) {
    const paymentCode = order[1]!;
    const step = order[2]!;
    const kind: MovementKind = step.includes('fee')
      ? 'fee'
      : step === 'release'
        ? 'deal_release'
        : step === 'refund'
          ? 'deal_refund'
          : 'other';
    return { kind, paymentCode, transactionCode: transactionCode(paymentCode) };
  }
  const payout = /^payout:(pyt_[0-9a-f]{32}):/.exec(transferId);
  if (payout) return { kind: 'payout', payoutId: payout[1] };
  return { kind: transferId.includes('fee') ? 'fee' : 'other' };
}
