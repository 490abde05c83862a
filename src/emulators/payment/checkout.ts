/**
 * Hosted checkout sessions (contract in ./contract.ts): creating one, with a virtual account
 * when ATM is asked for, and the ways one ends — a card, a transfer, or its expiry. The pages a
 * buyer sees are in ./hosted-pages.ts; they call the functions here.
 */
import { randomInt } from 'node:crypto';
import type { Request, Router } from 'express';
import { json, newId, parseOr400, problem, send, unixSeconds, type BusinessFailure, type EmulatorResponse } from '../http-util';
import {
  ATM_CURRENCIES,
  AUTHENTICATION_FAILED,
  CHALLENGE_CODE_DIGITS,
  CHALLENGE_MAX_ATTEMPTS,
  SESSION_MAX_LIFETIME_SECONDS,
  SESSION_MIN_LIFETIME_SECONDS,
  TEST_CARDS,
  VIRTUAL_ACCOUNT_DIGITS,
  checkoutSessionRequestSchema,
  clockAdvanceSchema,
  transferRequestSchema,
  type CheckoutSession,
  type CheckoutSessionInput,
} from './contract';
import { emitChargeEvent, openCharge, settleCharge, type PaymentEmulatorState, type SessionRecord } from './state';

export const HOSTED_PATH_PREFIX = '/checkout';

export interface CheckoutOptions {
  /** Origin the hosted pages are reached at; default: the Host the API request came to. */
  publicBaseUrl?: string;
  virtualAccountBankCode: string;
}

function randomDigits(count: number): string {
  let digits = '';
  for (let i = 0; i < count; i += 1) digits += String(randomInt(10));
  return digits;
}

/** A session past its `expiresAt` (on the emulator's clock) is expired, and so is its account. */
export function refreshExpiry(state: PaymentEmulatorState, record: SessionRecord): void {
  const { session } = record;
  if (session.status !== 'open' || state.clock.nowSeconds() < session.expiresAt) return;
  session.status = 'expired';
  record.challenge = undefined;
  if (session.virtualAccount) session.virtualAccount.status = 'expired';
}

export function findSession(state: PaymentEmulatorState, id: string): SessionRecord | undefined {
  const record = state.sessions.get(id);
  if (record) refreshExpiry(state, record);
  return record;
}

/** A copy for the wire: the stored session keeps changing. */
function sessionBody(session: CheckoutSession): CheckoutSession {
  return {
    ...session,
    paymentMethods: [...session.paymentMethods],
    ...(session.virtualAccount ? { virtualAccount: { ...session.virtualAccount } } : {}),
  };
}

/** Rules that depend on the clock or on two fields at once; undefined when the request may go on. */
function refusal(state: PaymentEmulatorState, input: CheckoutSessionInput): EmulatorResponse | undefined {
  const lifetime = input.expiresAt - state.clock.nowSeconds();
  if (lifetime < SESSION_MIN_LIFETIME_SECONDS || lifetime > SESSION_MAX_LIFETIME_SECONDS) {
    return problem(
      400,
      'validation-error',
      'Request failed validation',
      `expiresAt: must be ${SESSION_MIN_LIFETIME_SECONDS} s to ${SESSION_MAX_LIFETIME_SECONDS / 86_400} days from now (now is ${state.clock.nowSeconds()})`,
    );
  }
  if (input.paymentMethods.includes('atm') && !ATM_CURRENCIES.includes(input.currency)) {
    return problem(
      422,
      'payment-method-unavailable',
      'Payment method unavailable',
      `atm takes ${ATM_CURRENCIES.join(', ')} only, not ${input.currency}`,
    );
  }
  return undefined;
}

function issueVirtualAccount(
  state: PaymentEmulatorState,
  bankCode: string,
  sessionId: string,
  input: CheckoutSessionInput,
): CheckoutSession['virtualAccount'] {
  let accountNumber: string;
  do accountNumber = randomDigits(VIRTUAL_ACCOUNT_DIGITS);
  while (state.virtualAccounts.has(accountNumber));
  state.virtualAccounts.set(accountNumber, sessionId);
  return {
    bankCode,
    accountNumber,
    amountMinor: input.amountMinor,
    currency: input.currency,
    expiresAt: input.expiresAt,
    status: 'awaiting_transfer',
  };
}

function createSession(
  state: PaymentEmulatorState,
  options: CheckoutOptions,
  input: CheckoutSessionInput,
  origin: string,
): CheckoutSession {
  const id = newId('cs');
  const session: CheckoutSession = {
    id,
    status: 'open',
    url: `${origin}${HOSTED_PATH_PREFIX}/${id}`,
    amountMinor: input.amountMinor,
    currency: input.currency,
    reference: input.reference,
    description: input.description,
    paymentMethods: [...input.paymentMethods],
    language: input.language ?? 'zh-TW',
    expiresAt: input.expiresAt,
    created: unixSeconds(),
    ...(input.paymentMethods.includes('atm')
      ? { virtualAccount: issueVirtualAccount(state, options.virtualAccountBankCode, id, input) }
      : {}),
  };
  state.sessions.set(id, { session, returnUrl: input.returnUrl, callbackUrl: input.callbackUrl });
  return session;
}

/** The one way a session ends with money: a charge of `amountMinor`, its event after the notification delay. */
function decide(
  state: PaymentEmulatorState,
  record: SessionRecord,
  method: 'card' | 'atm',
  amountMinor: number,
  failure?: BusinessFailure,
): string {
  const { session } = record;
  const charge = openCharge(state, {
    amountMinor,
    currency: session.currency,
    reference: session.reference,
    paymentSourceType: method === 'card' ? 'card' : 'bank_transfer',
    callbackUrl: record.callbackUrl,
    checkoutSessionId: session.id,
  });
  // The card network (or the bank) answered now; the provider's notification follows.
  settleCharge(charge, failure);
  state.timers.later(state.outcomeDelayMs, () => emitChargeEvent(state, charge));
  session.status = failure ? 'failed' : 'complete';
  session.chargeId = charge.charge.id;
  record.challenge = undefined;
  if (session.virtualAccount && session.virtualAccount.status === 'awaiting_transfer') {
    session.virtualAccount.status = method === 'atm' ? 'received' : 'closed';
  }
  return charge.charge.id;
}

export type CardResult =
  | { kind: 'not-open'; status: CheckoutSession['status'] }
  | { kind: 'unknown-card' }
  | { kind: 'challenge' }
  | { kind: 'decided'; succeeded: boolean; failure?: BusinessFailure };

/** A card number typed on the hosted form (already shaped as digits). */
export function payByCard(state: PaymentEmulatorState, record: SessionRecord, cardNumber: string): CardResult {
  refreshExpiry(state, record);
  if (record.session.status !== 'open') return { kind: 'not-open', status: record.session.status };
  const outcome = TEST_CARDS[cardNumber];
  if (!outcome) return { kind: 'unknown-card' };
  if (outcome.kind === 'challenge') {
    record.challenge = { code: randomDigits(CHALLENGE_CODE_DIGITS), attemptsLeft: CHALLENGE_MAX_ATTEMPTS };
    return { kind: 'challenge' };
  }
  const failure = outcome.kind === 'fail' ? { code: outcome.code, message: outcome.message } : undefined;
  decide(state, record, 'card', record.session.amountMinor, failure);
  return { kind: 'decided', succeeded: !failure, failure };
}

export type ChallengeResult =
  | { kind: 'not-open'; status: CheckoutSession['status'] }
  | { kind: 'no-challenge' }
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'decided'; succeeded: boolean; failure?: BusinessFailure };

export function answerChallenge(state: PaymentEmulatorState, record: SessionRecord, code: string): ChallengeResult {
  refreshExpiry(state, record);
  if (record.session.status !== 'open') return { kind: 'not-open', status: record.session.status };
  const challenge = record.challenge;
  if (!challenge) return { kind: 'no-challenge' };
  if (code === challenge.code) {
    decide(state, record, 'card', record.session.amountMinor);
    return { kind: 'decided', succeeded: true };
  }
  challenge.attemptsLeft -= 1;
  if (challenge.attemptsLeft > 0) return { kind: 'wrong', attemptsLeft: challenge.attemptsLeft };
  decide(state, record, 'card', record.session.amountMinor, AUTHENTICATION_FAILED);
  return { kind: 'decided', succeeded: false, failure: AUTHENTICATION_FAILED };
}

/**
 * Money arriving at a virtual account, as the bank reports it: taken whatever the amount (the
 * event says what arrived, so the merchant's amount check applies), refused after expiry or
 * into an account already used.
 */
export function receiveTransfer(state: PaymentEmulatorState, accountNumber: string, amountMinor: number): EmulatorResponse {
  const sessionId = state.virtualAccounts.get(accountNumber);
  const record = sessionId === undefined ? undefined : findSession(state, sessionId);
  const account = record?.session.virtualAccount;
  if (!record || !account) return problem(404, 'virtual-account-not-found', 'No such virtual account', accountNumber);
  if (account.status === 'expired') {
    return problem(
      409,
      'virtual-account-expired',
      'The virtual account has expired',
      `it closed at ${new Date(account.expiresAt * 1000).toISOString()}`,
    );
  }
  if (account.status !== 'awaiting_transfer') {
    return problem(409, 'virtual-account-closed', 'The virtual account takes no more transfers', `it is ${account.status}`);
  }
  const chargeId = decide(state, record, 'atm', amountMinor);
  return json(201, { chargeId, amountMinor, currency: account.currency, checkoutSessionId: record.session.id });
}

function originOf(req: Request, options: CheckoutOptions): string {
  return (options.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
}

export function checkoutApiRoutes(state: PaymentEmulatorState, options: CheckoutOptions): (api: Router) => void {
  return (api) => {
    api.post('/v1/checkout/sessions', (req, res) => {
      const input = parseOr400(checkoutSessionRequestSchema, req.body, res);
      if (!input) return;
      // A replay is answered before the clock-dependent rules, which a late retry could no longer meet.
      state.idempotency.handle(req, res, input, () => {
        const refused = refusal(state, input);
        if (refused) return { ...refused, notStored: true };
        return json(201, sessionBody(createSession(state, options, input, originOf(req, options))));
      });
    });

    // Stripe's POST /v1/checkout/sessions/{id}/expire: the merchant closes an open session (its page
    // and its virtual account take nothing more). A session already decided answers 409 with its status.
    api.post('/v1/checkout/sessions/:id/expire', (req, res) => {
      const record = findSession(state, req.params.id);
      if (!record) return send(res, problem(404, 'checkout-session-not-found', 'No such checkout session', req.params.id));
      const { session } = record;
      if (session.status === 'open') {
        session.status = 'expired';
        record.challenge = undefined;
        if (session.virtualAccount?.status === 'awaiting_transfer') session.virtualAccount.status = 'expired';
      }
      if (session.status !== 'expired')
        return send(res, problem(409, 'checkout-session-not-open', 'The checkout session is not open', `it is ${session.status}`));
      send(res, json(200, sessionBody(session)));
    });

    api.get('/v1/checkout/sessions/:id', (req, res) => {
      const record = findSession(state, req.params.id);
      send(
        res,
        record
          ? json(200, sessionBody(record.session))
          : problem(404, 'checkout-session-not-found', 'No such checkout session', req.params.id),
      );
    });
  };
}

export function checkoutControlRoutes(state: PaymentEmulatorState): (control: Router) => void {
  return (control) => {
    control.post('/virtual-accounts/:accountNumber/transfers', (req, res) => {
      const input = parseOr400(transferRequestSchema, req.body, res);
      if (!input) return;
      send(res, receiveTransfer(state, req.params.accountNumber, input.amountMinor));
    });
    control.get('/clock', (_req, res) => void res.json({ nowSeconds: state.clock.nowSeconds() }));
    control.post('/clock', (req, res) => {
      const input = parseOr400(clockAdvanceSchema, req.body, res);
      if (!input) return;
      state.clock.advance(input.advanceSeconds);
      res.json({ nowSeconds: state.clock.nowSeconds() });
    });
  };
}
