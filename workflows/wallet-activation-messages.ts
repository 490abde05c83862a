import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WalletPolicy } from '../src/config/settings';

/** The wallet-activation workflow's contract: its input, its view, and every interaction it accepts. */
export interface WalletActivationInput {
  userId: string;
  role: 'buyer' | 'seller';
  policy: WalletPolicy;
  publicBaseUrl: string;
}

export type WalletActivationState = 'awaiting_verification' | 'locked' | 'active' | 'invalidated' | 'abandoned';

export interface WalletActivationView {
  state: WalletActivationState;
  attemptsLeft: number;
  lockouts: number;
  lockedUntilMs?: number;
}

export type VerificationOutcome =
  | { outcome: 'activated' } // S308
  | { outcome: 'wrong_code'; attemptsLeft: number } // S309 re-verification
  | { outcome: 'locked'; lockedUntilMs: number } // S309 end procedure
  | { outcome: 'invalidated' }; // S309 too many failures

export const submitWalletVerificationUpdate = defineUpdate<VerificationOutcome, [{ userId: string; codeProof: string }]>(
  'submitWalletVerification',
);
/** Support ends a lockout early (the support console's "unlock"); answers once the wallet can be verified again. */
export const unlockWalletUpdate = defineUpdate<WalletActivationView, [{ staffId: string }]>('unlockWallet');
export const walletActivationViewQuery = defineQuery<WalletActivationView>('walletActivationView');
