import type { Knex } from 'knex';
import type { PayoutProvider, PayoutStatementEntry } from '../payout';
import { payoutWorkflowId } from '../domain/ids';

/**
 * Our ledger against the payout provider's statement: every payout we posted as paid must be on
 * the statement with the same amount, and every paid entry on the statement must be one we
 * posted. Both sides are matched by reference (the payout workflow id, which is also the
 * provider's idempotency key).
 *
 * The ledger posts a payout a little after the provider paid it (the webhook travels), so both
 * sides are read over the range widened by a margin, and a difference is reported only when its
 * own time lies in the range: a payout paid just before `to` and posted just after is not a
 * difference, and a run over the next range will not report it twice.
 */
export const RECONCILE_BOUNDARY_MARGIN_MS = 15 * 60 * 1000;

export type PayoutDifference =
  | { kind: 'missing_at_provider'; reference: string; amountMinor: number; currency: string; postedAt: string }
  | { kind: 'missing_in_ledger'; reference: string; providerPayoutId: string; amountMinor: number; currency: string; paidAt: string }
  | {
      kind: 'amount_mismatch';
      reference: string;
      providerPayoutId: string;
      ledgerAmountMinor: number;
      providerAmountMinor: number;
      currency: string;
    }
  | { kind: 'currency_mismatch'; reference: string; providerPayoutId: string; ledgerCurrency: string; providerCurrency: string }
  | { kind: 'duplicate_at_provider'; reference: string; providerPayoutIds: string[] };

export interface ReconcileRange {
  from: Date;
  to: Date;
}

export interface PayoutReconciliation {
  range: { from: string; to: string };
  ledgerEntries: number;
  statementEntries: number;
  differences: PayoutDifference[];
}

interface LedgerPayout {
  reference: string;
  amountMinor: number;
  currency: string;
  postedAt: Date;
}

const POST_SUFFIX = ':post';

/** Posted payout transfers (see activities/payout-activities.ts for their ids) in the window. */
async function ledgerPayouts(knex: Knex, from: Date, to: Date): Promise<LedgerPayout[]> {
  const rows = await knex('ledger_transfers')
    .where({ kind: 'post' })
    .andWhere('id', 'like', `${payoutWorkflowId('')}%${POST_SUFFIX}`)
    .andWhere('created_at', '>=', from)
    .andWhere('created_at', '<', to)
    .select('id', 'amount_minor', 'currency', 'created_at');
  return rows.map((row) => ({
    reference: String(row.id).slice(0, -POST_SUFFIX.length),
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    postedAt: row.created_at,
  }));
}

export async function reconcilePayouts(
  knex: Knex,
  provider: Pick<PayoutProvider, 'statement'>,
  range: ReconcileRange,
  marginMs = RECONCILE_BOUNDARY_MARGIN_MS,
): Promise<PayoutReconciliation> {
  if (!(range.from.getTime() < range.to.getTime())) throw new RangeError('the range must have from < to');
  const wideFrom = new Date(range.from.getTime() - marginMs);
  const wideTo = new Date(range.to.getTime() + marginMs);
  const inRange = (at: Date) => at.getTime() >= range.from.getTime() && at.getTime() < range.to.getTime();

  const ours = await ledgerPayouts(knex, wideFrom, wideTo);
  const statement = await provider.statement({ from: wideFrom.toISOString(), to: wideTo.toISOString() });
  const theirs = new Map<string, PayoutStatementEntry[]>();
  for (const entry of statement.entries) theirs.set(entry.reference, [...(theirs.get(entry.reference) ?? []), entry]);

  const differences: PayoutDifference[] = [];
  for (const payout of ours) {
    const entries = theirs.get(payout.reference) ?? [];
    theirs.delete(payout.reference);
    const entry = entries[0];
    const counted = inRange(payout.postedAt) || entries.some((e) => inRange(new Date(e.occurredAt)));
    if (!counted) continue;
    if (!entry) {
      differences.push({
        kind: 'missing_at_provider',
        reference: payout.reference,
        amountMinor: payout.amountMinor,
        currency: payout.currency,
        postedAt: payout.postedAt.toISOString(),
      });
      continue;
    }
    if (entries.length > 1)
      differences.push({ kind: 'duplicate_at_provider', reference: payout.reference, providerPayoutIds: entries.map((e) => e.payoutId) });
    if (entry.currency !== payout.currency) {
      differences.push({
        kind: 'currency_mismatch',
        reference: payout.reference,
        providerPayoutId: entry.payoutId,
        ledgerCurrency: payout.currency,
        providerCurrency: entry.currency,
      });
    } else if (entry.amountMinor !== payout.amountMinor) {
      differences.push({
        kind: 'amount_mismatch',
        reference: payout.reference,
        providerPayoutId: entry.payoutId,
        ledgerAmountMinor: payout.amountMinor,
        providerAmountMinor: entry.amountMinor,
        currency: payout.currency,
      });
    }
  }
  // What is left on the statement has no posted payout in our ledger.
  for (const entries of theirs.values()) {
    for (const entry of entries) {
      if (!inRange(new Date(entry.occurredAt))) continue;
      differences.push({
        kind: 'missing_in_ledger',
        reference: entry.reference,
        providerPayoutId: entry.payoutId,
        amountMinor: entry.amountMinor,
        currency: entry.currency,
        paidAt: entry.occurredAt,
      });
    }
  }
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString() },
    ledgerEntries: ours.filter((p) => inRange(p.postedAt)).length,
    statementEntries: statement.entries.filter((e) => inRange(new Date(e.occurredAt))).length,
    differences,
  };
}

/** One line per difference, for people and for log search. */
export function describeDifference(d: PayoutDifference): string {
  switch (d.kind) {
    case 'missing_at_provider':
      return `${d.reference}: posted as paid in our ledger (${d.amountMinor} ${d.currency} at ${d.postedAt}) but not on the provider's statement`;
    case 'missing_in_ledger':
      return `${d.reference}: paid by the provider (${d.providerPayoutId}, ${d.amountMinor} ${d.currency} at ${d.paidAt}) but not posted in our ledger`;
    case 'amount_mismatch':
      return `${d.reference}: our ledger posted ${d.ledgerAmountMinor} ${d.currency}, the provider reports ${d.providerAmountMinor} (${d.providerPayoutId})`;
    case 'currency_mismatch':
      return `${d.reference}: our ledger posted in ${d.ledgerCurrency}, the provider reports ${d.providerCurrency} (${d.providerPayoutId})`;
    case 'duplicate_at_provider':
      return `${d.reference}: the provider reports ${d.providerPayoutIds.length} payouts (${d.providerPayoutIds.join(', ')}) for one of ours`;
  }
}
