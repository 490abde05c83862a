/**
 * An order's hosted checkout at the payment provider: the page the buyer is sent to (card, with
 * the issuer's challenge when the card asks for one) and, for NT$, the ATM virtual account the
 * provider issues for this order. The result still arrives by the signed webhook; the charge
 * events name the session (`checkoutSessionId`), which is how the order recognises its charge.
 */
import { createHash } from 'node:crypto';
import { webhookUrl } from '../domain/webhooks';
import type { Currency } from '../domain/money';
import type { PaymentProvider } from './client';
import {
  ATM_CURRENCIES,
  CHECKOUT_DESCRIPTION_MAX_CHARS,
  CHECKOUT_MAX_LIFETIME_SECONDS,
  CHECKOUT_MIN_LIFETIME_SECONDS,
  CHECKOUT_REFERENCE_PATTERN,
  type CheckoutLanguage,
  type CheckoutPaymentMethod,
  type CheckoutSession,
  type CheckoutSessionInput,
} from './contract';
import { PAYMENT_SERVICE } from './client';
import { ProviderBadResponse } from './provider-errors';
import { PaymentRefused } from './errors';

export interface OrderCheckoutInput {
  paymentCode: string;
  /** A new session for the same order (after a declined card) is a new attempt, with its own key. */
  attempt: number;
  amountMinor: number;
  currency: Currency;
  /** What the provider's page says is being paid for, e.g. the product name. */
  description: string;
  /** When the order stops waiting for payment (ms). */
  paymentDeadlineMs: number;
  /**
   * When the checkout is opened (ms), from the workflow (its deterministic clock), so that a
   * retried activity sends the same body under the same key.
   */
  openedAtMs: number;
  /** Origin of our api and pages (settings.publicBaseUrl). */
  publicBaseUrl: string;
  language?: CheckoutLanguage;
}

export interface OrderVirtualAccount {
  bankCode: string;
  accountNumber: string;
  amountMinor: number;
  currency: Currency;
  expiresAtMs: number;
}

export interface OrderCheckout {
  sessionId: string;
  /** Send the buyer's browser here. */
  checkoutUrl: string;
  expiresAtMs: number;
  /** The ATM account the provider issued for this order (NT$ orders only). */
  virtualAccount?: OrderVirtualAccount;
}

export function checkoutIdempotencyKey(paymentCode: string, attempt: number): string {
  return `${paymentCode}:checkout:${attempt}`;
}

/** Our page the provider sends the buyer back to (it adds `session_id`). */
export function checkoutReturnUrl(publicBaseUrl: string, paymentCode: string, language?: CheckoutLanguage): string {
  const url = `${publicBaseUrl.replace(/\/+$/, '')}/pages/pay/${encodeURIComponent(paymentCode)}/return`;
  // Our pages speak zh-TW unless asked (`?lang=en`); the buyer comes back in the language they left in.
  return language === 'en' ? `${url}?lang=en` : url;
}

/** What the payment info shows as the account to pay into: the one the provider issued, `812-12345678901234`. */
export function formatPaymentAccount(account: { bankCode: string; accountNumber: string }): string {
  return `${account.bankCode}-${account.accountNumber}`;
}

export function checkoutPaymentMethods(currency: Currency): CheckoutPaymentMethod[] {
  return ATM_CURRENCIES.includes(currency) ? ['card', 'atm'] : ['card'];
}

/**
 * The session stays payable until the order's deadline, within what the provider accepts: a
 * deadline too close is stretched to the provider's minimum (the order's own timer still ends
 * the order; a transfer that lands later is a charge the order no longer takes, for support).
 */
export function checkoutExpiresAt(input: Pick<OrderCheckoutInput, 'paymentDeadlineMs' | 'openedAtMs'>): number {
  const openedAt = Math.floor(input.openedAtMs / 1000);
  const deadline = Math.floor(input.paymentDeadlineMs / 1000);
  return Math.min(
    Math.max(deadline, openedAt + CHECKOUT_MIN_LIFETIME_SECONDS + OPENED_AT_SLACK_SECONDS),
    openedAt + CHECKOUT_MAX_LIFETIME_SECONDS,
  );
}

/**
 * How far `openedAtMs` may lie behind the provider's clock when the request arrives: the workflow
 * gives it to the minute below (so a re-run step sends the same body), and the request takes time.
 */
const OPENED_AT_SLACK_SECONDS = 120;

export function checkoutSessionInput(input: OrderCheckoutInput): CheckoutSessionInput {
  if (!CHECKOUT_REFERENCE_PATTERN.test(input.paymentCode)) {
    throw new TypeError(`payment code ${input.paymentCode} does not fit the provider's order number rule`);
  }
  return {
    amountMinor: input.amountMinor,
    currency: input.currency,
    reference: input.paymentCode,
    description: fitDescription(input.description) || input.paymentCode,
    returnUrl: checkoutReturnUrl(input.publicBaseUrl, input.paymentCode, input.language),
    callbackUrl: webhookUrl(input.publicBaseUrl, 'payments'),
    paymentMethods: checkoutPaymentMethods(input.currency),
    expiresAt: checkoutExpiresAt(input),
    ...(input.language ? { language: input.language } : {}),
  };
}

/** Cut to the provider's limit, which counts UTF-16 units, without splitting a character. */
function fitDescription(text: string): string {
  let fitted = '';
  for (const ch of text.trim()) {
    if (fitted.length + ch.length > CHECKOUT_DESCRIPTION_MAX_CHARS) break;
    fitted += ch;
  }
  return fitted;
}

function sameOrder(session: CheckoutSession, asked: CheckoutSessionInput): boolean {
  return (
    session.amountMinor === asked.amountMinor &&
    session.currency === asked.currency &&
    session.reference === asked.reference &&
    (!session.virtualAccount ||
      (session.virtualAccount.amountMinor === asked.amountMinor && session.virtualAccount.currency === asked.currency))
  );
}

/**
 * Opens (or, under the same key, finds again) the order's checkout session. Throws
 * `PaymentRefused` (4xx: do not retry), `PaymentUnavailable` (retry with the same input) or
 * `ProviderBadResponse` (the provider answered for another order or amount).
 */
export async function openOrderCheckout(
  provider: PaymentProvider,
  input: OrderCheckoutInput,
  asked: CheckoutSessionInput = checkoutSessionInput(input),
): Promise<OrderCheckout> {
  const key = checkoutIdempotencyKey(input.paymentCode, input.attempt);
  let session: CheckoutSession;
  try {
    session = await provider.createCheckoutSession(asked, key);
  } catch (err) {
    // A step begun before the request journal (checkout-journal.ts) and re-run by a lost workflow
    // task on a later clock carries another expiry than the key first did, and the provider
    // refuses the key. The step is opened again under a key that names this body; the first
    // session expires at the provider, and a payment into it shows as a reconciliation difference.
    if (!(err instanceof PaymentRefused && err.code === 'idempotency-key-reuse')) throw err;
    session = await provider.createCheckoutSession(
      asked,
      `${key}:${createHash('sha256').update(JSON.stringify(asked)).digest('hex').slice(0, 16)}`,
    );
  }
  if (!sameOrder(session, asked)) {
    throw new ProviderBadResponse(
      PAYMENT_SERVICE,
      `checkout session ${session.id} is not for ${asked.reference} ${asked.amountMinor} ${asked.currency}`,
    );
  }
  const account = session.virtualAccount;
  return {
    sessionId: session.id,
    checkoutUrl: session.url,
    expiresAtMs: session.expiresAt * 1000,
    ...(account
      ? {
          virtualAccount: {
            bankCode: account.bankCode,
            accountNumber: account.accountNumber,
            amountMinor: account.amountMinor,
            currency: account.currency,
            expiresAtMs: account.expiresAt * 1000,
          },
        }
      : {}),
  };
}
