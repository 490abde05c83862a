/**
 * Payment provider emulator: accepts charges (202), settles them after `outcomeDelayMs` and
 * reports the outcome by signed callback; refunds, charge lookup and a statement for
 * reconciliation. Which charges fail is a rule the test (or the dev runtime) chooses.
 */
import type { Express, Router } from 'express';
import {
  chargeRequestSchema,
  refundRequestSchema,
  statementQuerySchema,
  type Charge,
  type ChargeInput,
  type PaymentEvent,
  type PaymentStatementEntry,
  type Refund,
} from '../../payment/contract';
import {
  DEFAULT_OUTCOME_DELAY_MS,
  createEmulatorApp,
  createKernel,
  emitEvent,
  inRange,
  json,
  listenOnLoopback,
  newId,
  parseOr400,
  problem,
  send,
  unixSeconds,
  type BusinessFailure,
  type EmulatorCommonOptions,
  type EmulatorHandle,
  type EmulatorKernel,
} from '../http-util';

/** Test tokens with a fixed outcome, like a real provider's sandbox card numbers. */
export const DEFAULT_DECLINE_TOKENS: Readonly<Record<string, BusinessFailure>> = {
  tok_decline: { code: 'card_declined', message: 'The card was declined.' },
  tok_insufficient: { code: 'insufficient_funds', message: 'The account has insufficient funds.' },
};

export type ChargeOutcomeRule = (input: ChargeInput) => BusinessFailure | undefined;

export function declineByToken(table: Readonly<Record<string, BusinessFailure>> = DEFAULT_DECLINE_TOKENS): ChargeOutcomeRule {
  return (input) => table[input.paymentSource.token];
}

export interface PaymentEmulatorOptions extends EmulatorCommonOptions {
  /** Decides which charges fail; default `declineByToken()`. */
  chargeOutcome?: ChargeOutcomeRule;
}

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

export interface PaymentEmulatorState extends EmulatorKernel {
  charges: Map<string, ChargeRecord>;
  refunds: Map<string, RefundRecord>;
  /** Every event emitted (once each, however many deliveries). */
  events: PaymentEvent[];
  /** Replaceable at run time to change which charges fail. */
  chargeOutcome: ChargeOutcomeRule;
}

export function createPaymentEmulator(options: PaymentEmulatorOptions): { app: Express; state: PaymentEmulatorState } {
  const outcomeDelayMs = options.outcomeDelayMs ?? DEFAULT_OUTCOME_DELAY_MS;
  const state: PaymentEmulatorState = {
    ...createKernel(options),
    charges: new Map(),
    refunds: new Map(),
    events: [],
    chargeOutcome: options.chargeOutcome ?? declineByToken(),
  };

  function settle(record: ChargeRecord, input: ChargeInput): void {
    const failure = state.chargeOutcome(input);
    const { charge } = record;
    record.settledAt = new Date();
    const data = { chargeId: charge.id, reference: charge.reference, amountMinor: charge.amountMinor, currency: charge.currency };
    if (failure) {
      Object.assign(charge, { status: 'failed', failureCode: failure.code, failureMessage: failure.message });
      emitEvent(state, record.callbackUrl, { type: 'charge.failed', data: { ...data, failureCode: failure.code, failureMessage: failure.message } });
    } else {
      charge.status = 'succeeded';
      emitEvent(state, record.callbackUrl, { type: 'charge.succeeded', data });
    }
  }

  function routes(api: Router): void {
    api.post('/v1/charges', (req, res) => {
      const input = parseOr400(chargeRequestSchema, req.body, res);
      if (!input) return;
      state.idempotency.handle(req, res, input, () => {
        const charge: Charge = {
          id: newId('ch'),
          status: 'pending',
          amountMinor: input.amountMinor,
          currency: input.currency,
          reference: input.reference,
          paymentSourceType: input.paymentSource.type,
          refundedMinor: 0,
          created: unixSeconds(),
        };
        const record: ChargeRecord = { charge, callbackUrl: input.callbackUrl, createdAt: new Date() };
        state.charges.set(charge.id, record);
        state.timers.later(outcomeDelayMs, () => settle(record, input));
        // A copy: the stored (replayed) response must keep saying `pending`.
        return json(202, { ...charge });
      });
    });

    api.get('/v1/charges/:id', (req, res) => {
      const record = state.charges.get(req.params.id);
      send(res, record ? json(200, record.charge) : problem(404, 'charge-not-found', 'No such charge', req.params.id));
    });

    api.post('/v1/refunds', (req, res) => {
      const input = parseOr400(refundRequestSchema, req.body, res);
      if (!input) return;
      state.idempotency.handle(req, res, input, () => {
        const record = state.charges.get(input.chargeId);
        if (!record) return problem(404, 'charge-not-found', 'No such charge', input.chargeId);
        const { charge } = record;
        if (charge.status !== 'succeeded') {
          return problem(409, 'charge-not-refundable', 'Charge cannot be refunded', `charge is ${charge.status}`);
        }
        const refundableMinor = charge.amountMinor - charge.refundedMinor;
        if (input.amountMinor > refundableMinor) {
          return problem(422, 'refund-exceeds-charge', 'Refund exceeds the refundable amount', `refundable ${refundableMinor}, asked ${input.amountMinor}`);
        }
        charge.refundedMinor += input.amountMinor;
        const refund: Refund = {
          id: newId('re'),
          chargeId: charge.id,
          amountMinor: input.amountMinor,
          currency: charge.currency,
          status: 'succeeded',
          created: unixSeconds(),
        };
        state.refunds.set(refund.id, { refund, reference: charge.reference, createdAt: new Date() });
        return json(201, refund);
      });
    });

    api.get('/v1/statement', (req, res) => {
      const range = parseOr400(statementQuerySchema, req.query, res);
      if (!range) return;
      const entries: Array<PaymentStatementEntry & { at: Date }> = [];
      for (const { charge, settledAt } of state.charges.values()) {
        if (charge.status !== 'succeeded' || !settledAt || !inRange(settledAt, range)) continue;
        entries.push({ kind: 'charge', id: charge.id, chargeId: charge.id, reference: charge.reference, amountMinor: charge.amountMinor, currency: charge.currency, occurredAt: settledAt.toISOString(), at: settledAt });
      }
      for (const { refund, reference, createdAt } of state.refunds.values()) {
        if (!inRange(createdAt, range)) continue;
        entries.push({ kind: 'refund', id: refund.id, chargeId: refund.chargeId, reference, amountMinor: refund.amountMinor, currency: refund.currency, occurredAt: createdAt.toISOString(), at: createdAt });
      }
      entries.sort((a, b) => a.at.getTime() - b.at.getTime());
      send(res, json(200, { ...range, entries: entries.map(({ at: _at, ...entry }) => entry) }));
    });
  }

  const app = createEmulatorApp({ apiKey: options.apiKey, faults: state.faults, routes });

  return { app, state };
}

export function startPaymentEmulator(options: PaymentEmulatorOptions): Promise<EmulatorHandle<PaymentEmulatorState>> {
  const { app, state } = createPaymentEmulator(options);
  return listenOnLoopback(app, state, state.timers, options.port);
}
