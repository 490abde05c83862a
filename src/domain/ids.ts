import { createHmac, randomBytes } from 'node:crypto';

/**
 * Identifier helpers, one place for every workflow id and ledger account id so a reader can
 * go from an id in the Temporal UI to the code that made it.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 128 random bits in Crockford base32 (26 chars): unguessable payment codes and tokens. */
export function randomCode(bytes = 16): string {
  return crockford(randomBytes(bytes));
}

/**
 * A payment code made from a seller's Idempotency-Key: the same seller and key always name the
 * same link, so a retried request finds the link it made instead of making a second one. Keyed
 * with a secret so nobody can predict another seller's code from a key.
 */
export function paymentCodeFromKey(secret: string, sellerId: string, idempotencyKey: string): string {
  return crockford(createHmac('sha256', secret).update(`payment-link\n${sellerId}\n${idempotencyKey}`).digest().subarray(0, 16));
}

function crockford(buf: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

export const PAYMENT_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const orderWorkflowId = (paymentCode: string) => `order:${paymentCode}`;
export const walletActivationWorkflowId = (userId: string) => `wallet-activation:${userId}`;
export const quickReceiveWorkflowId = (userId: string) => `quick-receive:${userId}`;
export const payoutWorkflowId = (payoutId: string) => `payout:${payoutId}`;

/** Ledger accounts. */
export const escrowAccountId = (paymentCode: string) => `escrow:${paymentCode}`;
/** A user has one wallet account per currency (a ledger account holds one currency). */
export const walletAccountId = (userId: string, currency: string) => `wallet:${userId}:${currency}`;
export const providerClearingAccountId = (currency: string) => `provider-clearing:${currency}`;
export const payoutClearingAccountId = (currency: string) => `payout-clearing:${currency}`;

/** Transfer ids are idempotency keys: derived from the order and the step, never random. */
export const stageOneTransferId = (paymentCode: string) => `order:${paymentCode}:stage-one`;
/**
 * Settlement holds escrow → wallet and escrow → provider clearing as pending transfers, then posts
 * both (or voids both when the provider refuses the refund). A person's retry is a new attempt.
 */
export const releaseTransferId = (paymentCode: string, attempt: number) => `order:${paymentCode}:release:${attempt}`;
export const refundTransferId = (paymentCode: string, attempt: number) => `order:${paymentCode}:refund:${attempt}`;
export const postTransferId = (pendingId: string) => `${pendingId}:post`;
export const voidTransferId = (pendingId: string) => `${pendingId}:void`;
/** The provider's idempotency key for one settlement attempt's refund. */
export const refundIdempotencyKey = (paymentCode: string, attempt: number) => `${paymentCode}:refund:${attempt}`;

/** Payout transfer ids, derived from the payout id: the pending hold and its single resolution. */
export const payoutHoldTransferId = (payoutId: string) => `payout:${payoutId}:hold`;
export const payoutPostTransferId = (payoutId: string) => `payout:${payoutId}:post`;
export const payoutVoidTransferId = (payoutId: string) => `payout:${payoutId}:void`;

/** A stable, order-specific collection account number to show in the payment info (S108). */
export function collectionAccountFor(paymentCode: string): string {
  let digits = '';
  for (const ch of paymentCode) digits += (ch.charCodeAt(0) % 10).toString();
  return `822-${digits.slice(0, 14).padEnd(14, '0')}`;
}

/** The short transaction code printed on messages, the watermark and the QR code. */
export function transactionCode(paymentCode: string): string {
  return `TX-${paymentCode.slice(0, 4)}-${paymentCode.slice(4, 8)}`;
}
