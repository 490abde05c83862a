import type { Currency } from '../domain/money';
import type { ParkReason } from '../../workflows/order-messages';
import type { DealFee } from '../deal/fees';
import type { Reason } from '../deal/reasons';

/**
 * What the deal says to people, as meaning rather than layout. The chat platform adapter
 * (LINE: Flex bubbles) decides how each looks; the workflow only decides what is said, to whom.
 * Each kind names the step of the specification that sends it.
 */
export interface ProductSummary {
  productName: string;
  unitPriceMinor: number;
  quantity: number;
  totalMinor: number;
  currency: Currency;
  imageUrl?: string;
  /** The seller's own words about the product (from the chat or the API), shown to the buyer at stage one. */
  description?: string;
  /**
   * The seller gave a photo of the product (from the chat): cards show it under our watermark,
   * from /media/watermark/<TX>.png, as the buyer's link card does. Absent: no photo (deals from
   * before, links from the API), and cards that have another picture keep it.
   */
  hasPhoto?: boolean;
  transactionCode: string;
}

/** An ATM virtual account the payment provider issued for one order. */
export interface VirtualAccountInfo {
  bankCode: string;
  accountNumber: string;
  amountMinor: number;
  currency: Currency;
  expiresAt: string;
}

export type DealMessage =
  | { kind: 'link_created'; paymentUrl: string; dynamicPassword: string; product: ProductSummary; fee?: DealFee } // S306
  | { kind: 'wallet_activation_request'; activationUrl: string; verificationCode: string } // S303, S503
  | { kind: 'wallet_activated' } // S308
  | { kind: 'wallet_verification_failed'; attemptsLeft: number } // S309 re-verification
  | { kind: 'wallet_locked'; lockedUntil: string } // S309 end procedure (lockout)
  | { kind: 'wallet_invalidated' } // S309 end procedure (invalidated)
  | { kind: 'bind_request'; addFriendUrl: string } // S103
  | { kind: 'watchlist_blocked'; transactionCode: string } // S403
  | { kind: 'attribution_error'; transactionCode: string; attemptedByName: string } // S106 (to the seller): a display name or a mask, never a platform id
  | { kind: 'code_already_attributed'; transactionCode: string } // S106 (to the refused buyer)
  | { kind: 'pending_payment_info'; product: ProductSummary; paymentUrl: string } // S107
  | { kind: 'phone_binding_request'; bindUrl: string } // S405
  | { kind: 'abnormal_binding'; reason: 'multiple_phones' | 'virtual_number' } // S406/S407
  | {
      kind: 'payment_info';
      product: ProductSummary;
      paymentUrl: string;
      /** Deals started before the hosted checkout: the collection account we derived. */
      paymentAccount?: string;
      /** The ATM account the provider issued for this order, with its expiry (ISO 8601). */
      virtualAccount?: VirtualAccountInfo;
      verification: 'otp' | 'none';
      /** The platform fee and who pays it; with the buyer paying it, the amount due is the total plus the fee. */
      fee?: DealFee;
    } // S108, S118
  | { kind: 'otp'; otp: string; expiresInSeconds: number; transactionCode: string } // S112
  | {
      kind: 'payment_failed';
      /** English, for logs and deals from before reason codes. */
      reason: string;
      /** What the renderer translates (src/deal/reasons.ts). */
      reasonCode?: Reason;
      transactionCode: string;
    } // S115
  | { kind: 'payment_reminder'; paymentUrl: string; transactionCode: string } // S116
  | { kind: 'order_expired'; transactionCode: string }
  | {
      kind: 'link_expired';
      transactionCode: string;
      productName: string;
      /** Rounded, at least 1: what deals from before expiredAfterMs say. */
      expiredAfterDays: number;
      /** LINK_EXPIRY_MS itself, so a link that lived 12 hours (or, in a test, 25 seconds) does not say "1 day". */
      expiredAfterMs?: number;
    } // no buyer took the link in time (to the seller)
  | {
      kind: 'stage_one';
      product: ProductSummary;
      progressUrl: string;
      qrImageUrl: string;
      decisionDeadline: string;
      /** Whose card: only the buyer's has Agree and Dispute (absent: a deal from before, both had them). */
      audience?: 'buyer' | 'seller';
      /** The buyer may ask for more time (an extend button on the buyer's card). */
      extendable?: boolean;
    } // S203
  | { kind: 'decision_extended'; transactionCode: string; decisionDeadline: string } // S204: the buyer asked for more time (to both)
  | { kind: 'dispute_opened'; transactionCode: string; reason: string } // S205
  | { kind: 'dispute_escalated'; transactionCode: string }
  /** S205 with the parties: what went wrong (quick replies + free text) and photos, sent back in this chat; support may ask either party. */
  | { kind: 'evidence_request'; transactionCode: string; role: 'buyer' | 'seller'; reasons: boolean; note?: string }
  /** Support staff writing to one party about one deal (the agent's words, shown as theirs). */
  | { kind: 'support_message'; transactionCode: string; text: string }
  | { kind: 'deal_parked'; transactionCode: string; reason: ParkReason } // a person checks the deal; money untouched
  | { kind: 'order_cancelled'; transactionCode: string } // the seller withdrew the link (to the buyer who had it)
  | { kind: 'stage_two'; product: ProductSummary; sellerPaidMinor: number; feeMinor?: number } // S207
  | {
      kind: 'transaction_result';
      product: ProductSummary;
      outcome: 'released' | 'refunded' | 'split' | 'expired';
      sellerPaidMinor: number;
      buyerRefundedMinor: number;
      /** The support agent's note on a resolved dispute: both parties read it. */
      note?: string;
    } // claim 6
  | { kind: 'quick_receive_code'; receivingCode: string; accountMasked: string } // S606, S706
  | { kind: 'quick_receive_failed'; reason: string } // S607, S707
  | { kind: 'payout_sent'; amountMinor: number; currency: Currency; accountMasked: string }
  | { kind: 'payout_held' }
  | { kind: 'payout_failed'; amountMinor: number; currency: Currency; reason: string }; // the payout provider failed it; the money is back in the wallet

export type DealMessageKind = DealMessage['kind'];

export interface Outgoing {
  to: string;
  message: DealMessage;
  /** Idempotency: the same key is delivered once, however often the activity retries. */
  retryKey: string;
}
