/** The scheduled checks' inputs and results (workflows/operations.ts). */
export interface ReconciliationInput {
  /** How far back each run looks; a little more than the schedule's interval. */
  lookbackMs: number;
}

export interface ReconciliationSummary {
  from: string;
  to: string;
  payments: { ledgerEntries: number; statementEntries: number; differences: number };
  payouts: { ledgerEntries: number; statementEntries: number; differences: number };
  newlyFound: number;
  resolved: number;
}

export type AuditChainSummary = { ok: true; rows: number } | { ok: false; firstBrokenSeq: number };
