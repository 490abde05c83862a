import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DealDurations } from '../src/config/settings';
import type { ProductSummary } from '../src/chat/messages';
import type { PaymentSourceType } from '../src/domain/payment-sources';
import type { DealFee } from '../src/deal/fees';

/**
 * The order workflow's contract: its input, its state, and every interaction it accepts.
 * Request/response interactions are Updates with validators, so an illegal step is refused
 * without touching history, and a retried webhook with the same update id changes nothing.
 */
export type FlowVariant = 'full' | 'simple'; // simple = S117/S118: no attribution, no OTP

export interface OrderInput {
  paymentCode: string; // the payment code
  sellerId: string;
  product: ProductSummary;
  variant: FlowVariant;
  durations: DealDurations;
  maxPasswordFailures: number;
  maxOtpAttempts: number;
  /** OTP codes sent for this order at most (first send and resends): bounds guessing and history. */
  maxOtpSends: number;
  /** How often the buyer may extend the decision window (by durations.decisionExtensionMs); absent in runs before it: never. */
  maxDecisionExtensions?: number;
  publicBaseUrl: string;
  /** The platform fee, fixed at link creation (src/deal/fees.ts); absent in runs started before fees. */
  fee?: DealFee;
}

export type OrderState =
  | 'awaiting_buyer' // link posted; no buyer has received payment info yet
  | 'awaiting_payment' // S108 payment info sent; waiting for payment parameters (S111)
  | 'awaiting_otp' // S112 OTP sent
  | 'awaiting_checkout' // S113 passed (or S118 payer fixed): the buyer pays at the provider's hosted checkout
  | 'payment_pending' // S114 charge started; waiting for the provider's result (S201)
  | 'escrow' // S202/S203 stage one; the decision window runs (S204)
  | 'disputed' // S205 waiting for support
  | 'settling' // decision taken or window closed; money is moving
  | 'completed' // S206/S207 released to the seller (or split)
  | 'refunded' // dispute resolved by refund
  | 'expired' // not paid in time
  | 'cancelled' // seller withdrew the link before anyone paid
  | 'parked'; // a money step was refused or did not add up: waits for a person, money untouched

/** Why a deal waits for a person. Each names what a person can do about it (ParkedAction). */
export type ParkReason =
  | 'settlement_refused' // the ledger or the provider refused the release/refund
  | 'amount_mismatch' // the provider says the buyer paid another amount or currency
  | 'charge_result_missing'; // the provider never said how the charge ended

/** retry: run the refused step again (after the cause was fixed); refund: give the buyer back what was paid. */
export type ParkedAction = 'retry' | 'refund';
export const PARKED_ACTIONS: Record<ParkReason, ParkedAction[]> = {
  settlement_refused: ['retry'],
  amount_mismatch: ['refund'],
  charge_result_missing: ['retry'], // nothing to refund until the provider says the charge succeeded
};

export type PaymentSource = { type: PaymentSourceType; token: string };

export interface PaymentRequest {
  buyerId: string;
  dynamicPassword: string;
}

export type PaymentRequestOutcome =
  | { outcome: 'payment_info'; totalMinor: number; currency: string; verification: 'otp' | 'none' } // S108 / S118
  | { outcome: 'wrong_password'; attemptsLeft: number } // claim 15
  | { outcome: 'bind_required' } // S103
  | { outcome: 'blocked' } // S403
  | { outcome: 'limit_exceeded'; rule: string; detail: string } // velocity rules and tier caps
  | { outcome: 'attribution_error' } // S106
  | { outcome: 'wallet_activation_required' } // S502–S504
  | { outcome: 'phone_binding_required' } // S405
  | { outcome: 'abnormal_binding'; reason: 'multiple_phones' | 'virtual_number' }; // S406/S407

/** How the buyer pays: at the provider's hosted checkout (card), or — for runs started before it, and API integrations — a provider token. */
export type PaymentMethod = 'card';

export interface PaymentParameters {
  buyerId: string;
  /** A provider token (deals started before the hosted checkout, and integrations that tokenise themselves). */
  paymentSource?: PaymentSource;
  /** The hosted checkout: nothing typed here; the provider's page asks for the card. */
  method?: PaymentMethod;
}

/** The provider's hosted checkout for this order (src/payment/checkout.ts): shown to the buyer only. */
export interface CheckoutView {
  sessionId: string;
  /** Where the buyer's browser goes to pay by card (after the OTP, in the full variant). */
  url: string;
  expiresAtMs: number;
  /** The ATM account the provider issued for this order (NT$ only): pay exactly the total into it before it expires. */
  virtualAccount?: { bankCode: string; accountNumber: string; amountMinor: number; currency: string; expiresAtMs: number };
}

export type PaymentParametersOutcome =
  | { outcome: 'otp_sent'; expiresAtMs: number } // S112
  | { outcome: 'otp_limit'; detail: string; retryAfterMs?: number } // too many codes sent: per order, or per buyer per hour
  | { outcome: 'charging' } // S118: the simple variant pays without an OTP
  | { outcome: 'checkout'; checkoutUrl: string } // S114 (S118): go to the provider's hosted checkout
  | { outcome: 'limit_exceeded'; rule: string; detail: string } // S118: the payer's limits refuse this payment
  | { outcome: 'payment_failed'; reason: string }; // S115: the provider refused the charge

export interface OtpSubmission {
  buyerId: string;
  /** A keyed hash of the code the buyer typed (the api hashes it), so no OTP enters history. */
  otpProof: string;
}

export type OtpOutcome =
  | { outcome: 'charging' } // S114
  | { outcome: 'checkout'; checkoutUrl: string } // S114: the OTP was right; go to the provider's hosted checkout
  | { outcome: 'wrong_otp'; attemptsLeft: number } // S115
  | { outcome: 'otp_expired' } // S115
  | { outcome: 'otp_exhausted' } // S115: ask for a new code
  | { outcome: 'payment_failed'; reason: string }; // S115: the provider refused the charge

export interface PaymentResult {
  eventId: string; // provider event id; also the update id, so a redelivery is a no-op
  chargeId: string;
  succeeded: boolean;
  /** What the provider says it charged: compared with the order's total before anything is booked. */
  amountMinor: number;
  currency: string;
  /** When the provider says it happened (ms): the decision deadline counts from here. */
  occurredAtMs: number;
  failureCode?: string;
  failureMessage?: string;
  /** Set when the charge was made in one of this order's hosted checkout sessions: how the order recognises it. */
  checkoutSessionId?: string;
}

export interface BuyerDecision {
  buyerId: string;
  decision: 'agree' | 'dispute';
  reason?: string; // why the buyer disputes: shown to support
}

export interface DisputeResolution {
  agentId: string;
  resolution: 'release' | 'refund' | 'split';
  sellerAmountMinor: number;
  buyerAmountMinor: number;
  note?: string;
}

/** Support acts on a parked deal. */
export interface ParkedResolution {
  agentId: string;
  action: ParkedAction;
  note?: string;
}

export interface OrderView {
  paymentCode: string;
  state: OrderState;
  variant: FlowVariant;
  sellerId: string;
  buyerId?: string;
  product: ProductSummary;
  /** The platform fee and who pays it (shown before paying). */
  fee?: DealFee;
  /** What the buyer is charged: the total, plus the fee when the buyer pays it. */
  chargeTotalMinor?: number;
  /** Booked to the fee account at settlement. */
  feeChargedMinor?: number;
  chargeId?: string;
  /** The hosted checkout the buyer pays in (the api shows it to the buyer only). */
  checkout?: CheckoutView;
  paymentInfoSentAtMs?: number;
  reminderSent: boolean;
  /** When the link expires if no buyer got the payment info by then (LINK_EXPIRY_MS). */
  linkExpiresAtMs?: number;
  decisionDeadlineMs?: number;
  /** Extensions of the decision window the buyer asked for so far. */
  decisionExtensions?: number;
  /** deadlineMs: when the dispute escalates; support may extend it (deals disputed before that change have none). */
  dispute?: { reason: string; openedAtMs: number; escalated: boolean; deadlineMs?: number };
  /** The support agent's note on the dispute's resolution, as both parties received it. */
  resolutionNote?: string;
  parked?: { reason: ParkReason; atMs: number; detail: string };
  /** What the provider actually charged, when it differs from the product's total. */
  chargedMinor?: number;
  sellerPaidMinor: number;
  buyerRefundedMinor: number;
  silentAgreement?: boolean;
}

export const requestPaymentUpdate = defineUpdate<PaymentRequestOutcome, [PaymentRequest]>('requestPayment');
export const submitPaymentParametersUpdate = defineUpdate<PaymentParametersOutcome, [PaymentParameters]>('submitPaymentParameters');
export const submitOtpUpdate = defineUpdate<OtpOutcome, [OtpSubmission]>('submitOtp');
export const resendOtpUpdate = defineUpdate<PaymentParametersOutcome, [{ buyerId: string }]>('resendOtp');
export const paymentResultUpdate = defineUpdate<{ accepted: true }, [PaymentResult]>('paymentResult');
export const decideUpdate = defineUpdate<{ outcome: 'releasing' | 'disputed' }, [BuyerDecision]>('decide');
/** S204: the buyer asks for more time to decide (from the chat), at most maxDecisionExtensions times. */
export const extendDecisionUpdate = defineUpdate<{ outcome: 'extended'; decisionDeadlineMs: number }, [{ buyerId: string }]>(
  'extendDecision',
);
export const resolveDisputeUpdate = defineUpdate<{ outcome: 'resolving' }, [DisputeResolution]>('resolveDispute');
export const cancelLinkUpdate = defineUpdate<{ outcome: 'cancelled' }, [{ sellerId: string }]>('cancelLink');
/** Support gives a dispute more time before it escalates (e.g. waiting for a party's evidence). */
export interface DeadlineExtension {
  agentId: string;
  extendByMs: number;
  reason: string;
}
export const DEADLINE_EXTENSION_MAX_MS = 30 * 24 * 60 * 60 * 1000;
export const extendDisputeDeadlineUpdate = defineUpdate<{ deadlineMs: number }, [DeadlineExtension]>('extendDisputeDeadline');
export const resolveParkedUpdate = defineUpdate<{ outcome: 'retrying' | 'refunding' }, [ParkedResolution]>('resolveParked');
export const orderViewQuery = defineQuery<OrderView>('orderView');
