import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Currency } from '../src/domain/money';

/** The payout workflow's contract: its input, its view, and every interaction it accepts. */
export interface PayoutRequest {
  payoutId: string;
  userId: string;
  amountMinor: number;
  currency: Currency;
}

export type PayoutState = 'requested' | 'held' | 'sending' | 'paid' | 'failed' | 'refused' | 'rejected';
export type HoldReason = 'watch_list' | 'amount_above_threshold' | 'daily_total_above_threshold';

export interface PayoutWorkflowInput extends PayoutRequest {
  /** Without the provider's webhook by then, we ask it; and again after each such wait. */
  resultWaitMs: number;
}

export interface SupportDecision {
  agentId: string;
  decision: 'release' | 'reject';
  note?: string;
}

/** A release approval short of the quorum says who approved so far; the last one releases. */
export type DecisionOutcome = { outcome: 'releasing' | 'rejecting' } | { outcome: 'awaiting_second_approval'; approvedBy: string[] };

/**
 * Four eyes: every reason a payout is held - a watch-list match, or a threshold
 * (PAYOUT_REVIEW_THRESHOLD_MINOR for one payout, PAYOUT_DAILY_REVIEW_TOTAL_MINOR for a day's,
 * which splitting a large payout would otherwise get around) - needs two different agents to
 * release it. One agent may reject: that only gives the money back.
 */
export const FOUR_EYES_HOLD_REASONS: readonly HoldReason[] = ['watch_list', 'amount_above_threshold', 'daily_total_above_threshold'];

export interface PayoutResult {
  eventId: string; // the provider's event id; also the update id
  providerPayoutId: string;
  paid: boolean;
  failureCode?: string;
  failureMessage?: string;
}

export interface PayoutView {
  payoutId: string;
  state: PayoutState;
  amountMinor: number;
  currency: string;
  accountMasked?: string;
  holdReasons: HoldReason[];
  providerPayoutId?: string;
  failureReason?: string;
  decidedBy?: string;
  /** Agents who approved the release so far, in order. */
  approvedBy?: string[];
  /** How many different agents must approve the release (2 under four eyes). */
  approvalsNeeded?: number;
}

export const decideHeldPayoutUpdate = defineUpdate<DecisionOutcome, [SupportDecision]>('decideHeldPayout');
export const payoutResultUpdate = defineUpdate<{ accepted: true }, [PayoutResult]>('payoutResult');
export const payoutViewQuery = defineQuery<PayoutView>('payoutView');
