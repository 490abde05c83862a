import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { QuickReceiveRole, SealedBankEntry } from '../src/bank-accounts';

/** The quick-receive workflow's contract: its input, its view, and every interaction it accepts. */

/** Reasons a quick receive ends without a code; the verification center's own reasons pass through. */
export type QuickReceiveFailure =
  | 'code_mismatch'
  | 'account_not_found'
  | 'account_frozen'
  | 'holder_name_mismatch'
  | 'watch_listed'
  | 'verification_refused'
  | 'no_answer'
  | (string & {});

export interface QuickReceiveInput {
  userId: string;
  /** Without the center's callback by then, we ask it once and otherwise fail with no_answer. */
  verificationTimeoutMs: number;
  /** How long the workflow waits for another request before it ends. */
  idleMs: number;
}

export interface QuickReceiveRequest {
  userId: string;
  role: QuickReceiveRole;
  /** Absent: "use my stored account". Present: verify (and then use) this one. */
  entry?: SealedBankEntry;
}

export type QuickReceiveOutcome =
  | { status: 'code'; receivingCode: string; accountMasked: string } // S606 / S706
  | { status: 'account_required' } // S603 / S703: enter the account and its verification code
  | { status: 'pending' } // the verification center is checking
  | { status: 'failed'; reasonCode: QuickReceiveFailure; reason: string }; // S607 / S707

export interface VerificationResult {
  eventId: string; // the center's event id; also the update id, so a redelivery is a no-op
  verificationId: string;
  succeeded: boolean;
  reason?: string;
}

export type QuickReceiveStatus = 'idle' | 'account_required' | 'verifying' | 'code' | 'failed';

export interface QuickReceiveView {
  status: QuickReceiveStatus;
  role?: QuickReceiveRole;
  receivingCode?: string;
  accountMasked?: string;
  reasonCode?: QuickReceiveFailure;
  reason?: string;
  attempts: number;
}

export const requestQuickReceiveUpdate = defineUpdate<QuickReceiveOutcome, [QuickReceiveRequest]>('requestQuickReceive');
export const verificationResultUpdate = defineUpdate<{ accepted: true }, [VerificationResult]>('verificationResult');
export const quickReceiveViewQuery = defineQuery<QuickReceiveView>('quickReceiveView');
