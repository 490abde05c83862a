import type { Knex } from 'knex';
import type { PaymentProvider, PaymentStatementEntry } from '../payment';
import { RECONCILE_BOUNDARY_MARGIN_MS, type ReconcileRange } from './payouts';

/**
 * Our ledger against the payment provider's statement: every charge we booked into escrow
 * (`order:<code>:stage-one`) and every refund we posted (`order:<code>:refund:<n>:post`) must be
 * on the statement with the same amount, and every charge and refund on the statement must be
 * one we booked. Both sides are matched by reference (the payment code, which the provider echoes
 * on the charge and its refunds); refunds are compared as a total per reference, since one deal
 * may refund in more than one attempt. Boundaries as for payouts: both sides are read over the
 * range widened by a margin, and a difference counts when its own time lies in the range.
 */
export type PaymentDifference =
  | { kind: 'charge_missing_in_ledger'; reference: string; providerChargeId: string; amountMinor: number; currency: string; at: string }
  | { kind: 'charge_missing_at_provider'; reference: string; amountMinor: number; currency: string; at: string }
  | {
      kind: 'charge_amount_mismatch';
      reference: string;
      providerChargeId: string;
      ledgerAmountMinor: number;
      providerAmountMinor: number;
      currency: string;
      at: string;
    }
  | { kind: 'charge_duplicate_at_provider'; reference: string; providerChargeIds: string[]; at: string }
  | { kind: 'refund_missing_at_provider'; reference: string; amountMinor: number; currency: string; at: string }
  | { kind: 'refund_missing_in_ledger'; reference: string; amountMinor: number; currency: string; at: string }
  | {
      kind: 'refund_amount_mismatch';
      reference: string;
      ledgerAmountMinor: number;
      providerAmountMinor: number;
      currency: string;
      at: string;
    }
  | { kind: 'currency_mismatch'; reference: string; ledgerCurrency: string; providerCurrency: string; at: string };

export interface PaymentReconciliation {
  range: { from: string; to: string };
  ledgerEntries: number;
  statementEntries: number;
  differences: PaymentDifference[];
}

interface LedgerMovement {
  reference: string;
  amountMinor: number;
  currency: string;
  at: Date;
}

const STAGE_ONE = /^order:(.+):stage-one$/;
const REFUND_POST = /^order:(.+):refund:\d+:post$/;

async function ledgerMovements(knex: Knex, from: Date, to: Date) {
  const rows = await knex('ledger_transfers')
    .where((q) =>
      q.where('id', 'like', 'order:%:stage-one').orWhere((r) => r.where({ kind: 'post' }).andWhere('id', 'like', 'order:%:refund:%:post')),
    )
    .andWhere('created_at', '>=', from)
    .andWhere('created_at', '<', to)
    .select('id', 'amount_minor', 'currency', 'created_at');
  const charges: LedgerMovement[] = [];
  const refunds: LedgerMovement[] = [];
  for (const row of rows) {
    const id = String(row.id);
    const movement = (reference: string) => ({
      reference,
      amountMinor: Number(row.amount_minor),
      currency: row.currency,
      at: row.created_at,
    });
    const charge = STAGE_ONE.exec(id);
    if (charge) charges.push(movement(charge[1]!));
    const refund = REFUND_POST.exec(id);
    if (refund && Number(row.amount_minor) > 0) refunds.push(movement(refund[1]!));
  }
  return { charges, refunds };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export async function reconcilePayments(
  knex: Knex,
  provider: Pick<PaymentProvider, 'statement'>,
  range: ReconcileRange,
  marginMs = RECONCILE_BOUNDARY_MARGIN_MS,
): Promise<PaymentReconciliation> {
  if (!(range.from.getTime() < range.to.getTime())) throw new RangeError('the range must have from < to');
  const wideFrom = new Date(range.from.getTime() - marginMs);
  const wideTo = new Date(range.to.getTime() + marginMs);
  const inRange = (at: Date) => at.getTime() >= range.from.getTime() && at.getTime() < range.to.getTime();
  const iso = (at: Date) => at.toISOString();

  const ours = await ledgerMovements(knex, wideFrom, wideTo);
  const statement = await provider.statement({ from: wideFrom.toISOString(), to: wideTo.toISOString() });
  const theirCharges = groupBy(
    statement.entries.filter((e) => e.kind === 'charge'),
    (e) => e.reference,
  );
  const theirRefunds = groupBy(
    statement.entries.filter((e) => e.kind === 'refund'),
    (e) => e.reference,
  );
  const at = (e: PaymentStatementEntry) => new Date(e.occurredAt);
  const differences: PaymentDifference[] = [];

  for (const charge of ours.charges) {
    const entries = theirCharges.get(charge.reference) ?? [];
    theirCharges.delete(charge.reference);
    if (!inRange(charge.at) && !entries.some((e) => inRange(at(e)))) continue;
    const entry = entries[0];
    if (!entry) {
      differences.push({
        kind: 'charge_missing_at_provider',
        reference: charge.reference,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        at: iso(charge.at),
      });
      continue;
    }
    if (entries.length > 1)
      differences.push({
        kind: 'charge_duplicate_at_provider',
        reference: charge.reference,
        providerChargeIds: entries.map((e) => e.id),
        at: iso(charge.at),
      });
    if (entry.currency !== charge.currency) {
      differences.push({
        kind: 'currency_mismatch',
        reference: charge.reference,
        ledgerCurrency: charge.currency,
        providerCurrency: entry.currency,
        at: iso(charge.at),
      });
    } else if (entry.amountMinor !== charge.amountMinor) {
      differences.push({
        kind: 'charge_amount_mismatch',
        reference: charge.reference,
        providerChargeId: entry.id,
        ledgerAmountMinor: charge.amountMinor,
        providerAmountMinor: entry.amountMinor,
        currency: charge.currency,
        at: iso(charge.at),
      });
    }
  }
  for (const entries of theirCharges.values()) {
    for (const entry of entries) {
      if (!inRange(at(entry))) continue;
      differences.push({
        kind: 'charge_missing_in_ledger',
        reference: entry.reference,
        providerChargeId: entry.id,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        at: entry.occurredAt,
      });
    }
  }

  // Refunds: the total per reference on each side.
  const ourRefunds = groupBy(ours.refunds, (r) => r.reference);
  for (const reference of new Set([...ourRefunds.keys(), ...theirRefunds.keys()])) {
    const mine = ourRefunds.get(reference) ?? [];
    const theirs = theirRefunds.get(reference) ?? [];
    const times = [...mine.map((r) => r.at), ...theirs.map(at)];
    if (!times.some(inRange)) continue;
    const latest = iso(new Date(Math.max(...times.map((t) => t.getTime()))));
    const ledgerMinor = mine.reduce((sum, r) => sum + r.amountMinor, 0);
    const providerMinor = theirs.reduce((sum, e) => sum + e.amountMinor, 0);
    const currency = mine[0]?.currency ?? theirs[0]!.currency;
    if (theirs.length === 0)
      differences.push({ kind: 'refund_missing_at_provider', reference, amountMinor: ledgerMinor, currency, at: latest });
    else if (mine.length === 0)
      differences.push({ kind: 'refund_missing_in_ledger', reference, amountMinor: providerMinor, currency, at: latest });
    else if (ledgerMinor !== providerMinor)
      differences.push({
        kind: 'refund_amount_mismatch',
        reference,
        ledgerAmountMinor: ledgerMinor,
        providerAmountMinor: providerMinor,
        currency,
        at: latest,
      });
  }

  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString() },
    ledgerEntries: [...ours.charges, ...ours.refunds].filter((m) => inRange(m.at)).length,
    statementEntries: statement.entries.filter((e) => inRange(at(e))).length,
    differences,
  };
}

/** One line per difference, for people and for log search. */
export function describePaymentDifference(d: PaymentDifference): string {
  switch (d.kind) {
    case 'charge_missing_in_ledger':
      return `${d.reference}: charged by the provider (${d.providerChargeId}, ${d.amountMinor} ${d.currency}) but not booked into escrow`;
    case 'charge_missing_at_provider':
      return `${d.reference}: booked into escrow (${d.amountMinor} ${d.currency}) but no charge on the provider's statement`;
    case 'charge_amount_mismatch':
      return `${d.reference}: escrow booked ${d.ledgerAmountMinor} ${d.currency}, the provider reports ${d.providerAmountMinor} (${d.providerChargeId})`;
    case 'charge_duplicate_at_provider':
      return `${d.reference}: the provider reports ${d.providerChargeIds.length} charges (${d.providerChargeIds.join(', ')}) for one deal`;
    case 'refund_missing_at_provider':
      return `${d.reference}: refund of ${d.amountMinor} ${d.currency} posted in our ledger but not on the provider's statement`;
    case 'refund_missing_in_ledger':
      return `${d.reference}: refunded by the provider (${d.amountMinor} ${d.currency}) but not posted in our ledger`;
    case 'refund_amount_mismatch':
      return `${d.reference}: our ledger refunded ${d.ledgerAmountMinor} ${d.currency}, the provider reports ${d.providerAmountMinor}`;
    case 'currency_mismatch':
      return `${d.reference}: our ledger booked in ${d.ledgerCurrency}, the provider reports ${d.providerCurrency}`;
  }
}
