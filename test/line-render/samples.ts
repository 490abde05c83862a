import type { DealMessage, DealMessageKind, ProductSummary } from '../../src/chat/messages';
import { MAX_AMOUNT_MINOR } from '../../src/domain/money';

export const CODE = 'TX-7K3M-Q9PZ';

export const product: ProductSummary = {
  productName: '手工薰衣草皂 Lavender soap',
  unitPriceMinor: 350,
  quantity: 2,
  totalMinor: 700,
  currency: 'TWD',
  transactionCode: CODE,
};

/** The worst a real deal can send: a 200-character name, the largest amount, cents. */
export const hugeProduct: ProductSummary = {
  productName: '超長商品名稱🧼'.repeat(25),
  unitPriceMinor: MAX_AMOUNT_MINOR,
  quantity: 999_999,
  totalMinor: MAX_AMOUNT_MINOR,
  currency: 'USD',
  transactionCode: 'TX-ZZZZ-ZZZZ',
};

type Samples = { [K in DealMessageKind]: Extract<DealMessage, { kind: K }> };

/** One message per kind; the mapped type makes a new kind fail to compile here until it has a sample. */
export function samplesFor(p: ProductSummary): Samples {
  const code = p.transactionCode;
  return {
    link_created: { kind: 'link_created', paymentUrl: `https://pay.example/p/${code}`, dynamicPassword: '483920', product: p },
    wallet_activation_request: {
      kind: 'wallet_activation_request',
      activationUrl: 'https://pay.example/wallet/activate?t=abc',
      verificationCode: 'W-5521',
    },
    wallet_activated: { kind: 'wallet_activated' },
    wallet_verification_failed: { kind: 'wallet_verification_failed', attemptsLeft: 2 },
    wallet_locked: { kind: 'wallet_locked', lockedUntil: '2026-05-02T10:00:00.000Z' },
    wallet_invalidated: { kind: 'wallet_invalidated' },
    bind_request: { kind: 'bind_request', addFriendUrl: 'https://line.me/R/ti/p/@escrow' },
    watchlist_blocked: { kind: 'watchlist_blocked', transactionCode: code },
    attribution_error: { kind: 'attribution_error', transactionCode: code, attemptedByName: 'Mallory 王' },
    code_already_attributed: { kind: 'code_already_attributed', transactionCode: code },
    pending_payment_info: { kind: 'pending_payment_info', product: p, paymentUrl: `https://pay.example/p/${code}` },
    phone_binding_request: { kind: 'phone_binding_request', bindUrl: 'https://pay.example/phone/bind' },
    abnormal_binding: { kind: 'abnormal_binding', reason: 'virtual_number' },
    payment_info: {
      kind: 'payment_info',
      product: p,
      paymentUrl: `https://pay.example/p/${code}`,
      paymentAccount: '822-0001-2345-6789',
      verification: 'otp',
    },
    otp: { kind: 'otp', otp: '904117', expiresInSeconds: 300, transactionCode: code },
    payment_failed: { kind: 'payment_failed', reason: 'wrong verification code', transactionCode: code },
    payment_reminder: { kind: 'payment_reminder', paymentUrl: `https://pay.example/p/${code}`, transactionCode: code },
    order_expired: { kind: 'order_expired', transactionCode: code },
    decision_extended: { kind: 'decision_extended', transactionCode: code, decisionDeadline: '2026-05-04T10:00:00.000Z' },
    link_expired: { kind: 'link_expired', transactionCode: code, productName: p.productName, expiredAfterDays: 7 },
    stage_one: {
      kind: 'stage_one',
      product: p,
      progressUrl: `https://pay.example/deals/${code}`,
      qrImageUrl: `https://pay.example/media/qr/${code}.png`,
      decisionDeadline: '2026-05-03T10:00:00.000Z',
    },
    dispute_opened: { kind: 'dispute_opened', transactionCode: code, reason: 'item not as described' },
    dispute_escalated: { kind: 'dispute_escalated', transactionCode: code },
    evidence_request: { kind: 'evidence_request', transactionCode: code, role: 'buyer', reasons: true, note: 'Please show the box too' },
    support_message: { kind: 'support_message', transactionCode: code, text: 'We are checking the photos with the seller.' },
    deal_parked: { kind: 'deal_parked', transactionCode: code, reason: 'amount_mismatch' },
    order_cancelled: { kind: 'order_cancelled', transactionCode: code },
    stage_two: { kind: 'stage_two', product: p, sellerPaidMinor: p.totalMinor },
    transaction_result: {
      kind: 'transaction_result',
      product: p,
      outcome: 'split',
      sellerPaidMinor: 0,
      buyerRefundedMinor: p.totalMinor,
      note: 'Photos show a cracked lens',
    },
    quick_receive_code: { kind: 'quick_receive_code', receivingCode: 'RC-8H2K-1QXZ', accountMasked: '822-****-6789' },
    quick_receive_failed: { kind: 'quick_receive_failed', reason: 'bank account not verified' },
    payout_sent: { kind: 'payout_sent', amountMinor: p.totalMinor, currency: p.currency, accountMasked: '822-****-6789' },
    payout_held: { kind: 'payout_held' },
    payout_failed: { kind: 'payout_failed', amountMinor: p.totalMinor, currency: p.currency, reason: 'account_closed' },
  };
}

export function allSamples(p: ProductSummary = product): DealMessage[] {
  return Object.values(samplesFor(p));
}

/** The transaction code a message carries, if any: it must show in what the user reads. */
export function codeOf(message: DealMessage): string | undefined {
  if ('transactionCode' in message) return message.transactionCode;
  if ('product' in message) return message.product.transactionCode;
  return undefined;
}
