/**
 * What the payment provider emulator remembers, and the one way a charge ends: its status set
 * once and its event sent to the caller's callback URL.
 */
import {
  createKernel,
  emitEvent,
  newId,
  unixSeconds,
  type BusinessFailure,
  type EmulatorCommonOptions,
  type EmulatorKernel,
} from '../http-util';
import type { Charge, ChargeInput, CheckoutSession, PaymentEvent, PaymentSourceType, Refund, StatementDifference } from './contract';

export type ChargeOutcomeRule = (input: ChargeInput) => BusinessFailure | undefined;

export interface ChargeRecord {
  charge: Charge;
  callbackUrl: string;
  createdAt: Date;
  settledAt?: Date;
}

export interface RefundRecord {
  refund: Refund;
  reference: string;
  createdAt: Date;
}

export interface SessionRecord {
  session: CheckoutSession;
  returnUrl: string;
  callbackUrl: string;
  /** The 3-D-Secure-like step in progress: the code the emulated issuer showed, tries left. */
  challenge?: { code: string; attemptsLeft: number };
}

/** The provider's notion of now: real time plus what a test advanced it by (`POST /__emulator/clock`). */
export class EmulatorClock {
  private offsetSeconds = 0;
  nowSeconds(): number {
    return unixSeconds() + this.offsetSeconds;
  }
  advance(seconds: number): void {
    this.offsetSeconds += seconds;
  }
}

export interface PaymentEmulatorState extends EmulatorKernel {
  charges: Map<string, ChargeRecord>;
  refunds: Map<string, RefundRecord>;
  /** Every event emitted (once each, however many deliveries). */
  events: PaymentEvent[];
  /** Replaceable at run time to change which direct charges fail. */
  chargeOutcome: ChargeOutcomeRule;
  sessions: Map<string, SessionRecord>;
  /** Virtual account number → the session that issued it. */
  virtualAccounts: Map<string, string>;
  clock: EmulatorClock;
  outcomeDelayMs: number;
  /** Applied to every statement until cleared (`POST /__emulator/statement-differences`). */
  statementDifferences: Array<StatementDifference & { injectedAt: string; phantomId: string; phantomChargeId: string }>;
}

export function createPaymentState(
  options: EmulatorCommonOptions & { outcomeDelayMs: number; chargeOutcome: ChargeOutcomeRule },
): PaymentEmulatorState {
  return {
    ...createKernel(options),
    charges: new Map(),
    refunds: new Map(),
    events: [],
    chargeOutcome: options.chargeOutcome,
    sessions: new Map(),
    virtualAccounts: new Map(),
    clock: new EmulatorClock(),
    outcomeDelayMs: options.outcomeDelayMs,
    statementDifferences: [],
  };
}

export function openCharge(
  state: PaymentEmulatorState,
  fields: {
    amountMinor: number;
    currency: Charge['currency'];
    reference: string;
    paymentSourceType: PaymentSourceType;
    callbackUrl: string;
    checkoutSessionId?: string;
  },
): ChargeRecord {
  const { callbackUrl, checkoutSessionId, ...rest } = fields;
  const charge: Charge = {
    id: newId('ch'),
    status: 'pending',
    ...rest,
    refundedMinor: 0,
    ...(checkoutSessionId ? { checkoutSessionId } : {}),
    created: unixSeconds(),
  };
  const record: ChargeRecord = { charge, callbackUrl, createdAt: new Date() };
  state.charges.set(charge.id, record);
  return record;
}

/** Decides a pending charge: succeeded, or failed with the reason. */
export function settleCharge(record: ChargeRecord, failure: BusinessFailure | undefined): void {
  record.settledAt = new Date();
  if (failure) Object.assign(record.charge, { status: 'failed', failureCode: failure.code, failureMessage: failure.message });
  else record.charge.status = 'succeeded';
}

/** The signed callback for a settled charge. */
export function emitChargeEvent(state: PaymentEmulatorState, record: ChargeRecord): void {
  const { charge } = record;
  const data = {
    chargeId: charge.id,
    reference: charge.reference,
    amountMinor: charge.amountMinor,
    currency: charge.currency,
    ...(charge.checkoutSessionId ? { checkoutSessionId: charge.checkoutSessionId } : {}),
  };
  if (charge.status === 'failed') {
    emitEvent(state, record.callbackUrl, {
      type: 'charge.failed',
      data: { ...data, failureCode: charge.failureCode ?? 'failed', failureMessage: charge.failureMessage ?? '' },
    });
  } else {
    emitEvent(state, record.callbackUrl, { type: 'charge.succeeded', data });
  }
}
