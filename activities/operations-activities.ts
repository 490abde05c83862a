import type { Knex } from 'knex';
import { verifyAuditChain } from '../src/audit';
import type { PaymentProvider } from '../src/payment';
import type { PayoutProvider } from '../src/payout';
import {
  describeDifference,
  describePaymentDifference,
  reconcilePayments,
  reconcilePayouts,
  type PayoutDifference,
} from '../src/reconcile';
import { recordAuditChainResult, recordCheck, recordReconciliation, type FoundDifference } from '../src/ops/checks';
import type { ReconciliationSummary, AuditChainSummary } from '../workflows/operations-messages';

/** The scheduled checks' work: reconcile every money movement, verify the audit chain. */
export interface OperationsDeps {
  knex: Knex;
  payments: Pick<PaymentProvider, 'statement'>;
  payouts: Pick<PayoutProvider, 'statement'>;
}

function payoutTime(d: PayoutDifference, fallback: string): string {
  if ('postedAt' in d) return d.postedAt;
  if ('paidAt' in d) return d.paidAt;
  return fallback;
}

export function createOperationsActivities(deps: OperationsDeps) {
  return {
    /** Payments (charges, refunds) and payouts against their providers' statements over [toMs - lookbackMs, toMs). */
    async reconcileMoneyMovements(input: { toMs: number; lookbackMs: number }): Promise<ReconciliationSummary> {
      const range = { from: new Date(input.toMs - input.lookbackMs), to: new Date(input.toMs) };
      const lastInstant = new Date(input.toMs - 1).toISOString();
      const payments = await reconcilePayments(deps.knex, deps.payments, range);
      const payouts = await reconcilePayouts(deps.knex, deps.payouts, range);
      const paymentsFound: FoundDifference[] = payments.differences.map((d) => ({
        kind: d.kind,
        reference: d.reference,
        at: d.at,
        description: describePaymentDifference(d),
        details: d,
      }));
      const payoutsFound: FoundDifference[] = payouts.differences.map((d) => ({
        kind: d.kind,
        reference: d.reference,
        at: payoutTime(d, lastInstant),
        description: describeDifference(d),
        details: d,
      }));
      const recorded = [
        await recordReconciliation(deps.knex, 'payments', range, paymentsFound),
        await recordReconciliation(deps.knex, 'payouts', range, payoutsFound),
      ];
      const differences = recorded.reduce((sum, r) => sum + r.found, 0);
      const summary: ReconciliationSummary = {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        payments: {
          ledgerEntries: payments.ledgerEntries,
          statementEntries: payments.statementEntries,
          differences: payments.differences.length,
        },
        payouts: {
          ledgerEntries: payouts.ledgerEntries,
          statementEntries: payouts.statementEntries,
          differences: payouts.differences.length,
        },
        newlyFound: recorded.reduce((sum, r) => sum + r.newlyFound, 0),
        resolved: recorded.reduce((sum, r) => sum + r.resolved, 0),
      };
      await recordCheck(deps.knex, 'reconciliation', differences === 0, { ...summary });
      return summary;
    },

    async verifyAuditChainAndRecord(): Promise<AuditChainSummary> {
      const result = await verifyAuditChain(deps.knex);
      await recordAuditChainResult(deps.knex, result);
      return result.ok ? { ok: true, rows: result.rows } : { ok: false, firstBrokenSeq: result.firstBrokenSeq };
    },
  };
}

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;
