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
}

export const decideHeldPayoutUpdate = defineUpdate<{ outcome: 'releasing' | 'rejecting' }, [SupportDecision]>('decideHeldPayout');
export const payoutResultUpdate = defineUpdate<{ accepted: true }, [PayoutResult]>('payoutResult');
export const payoutViewQuery = defineQuery<PayoutView>('payoutView');
