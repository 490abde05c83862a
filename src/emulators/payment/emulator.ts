/**
 * Payment provider emulator (contract in ./contract.ts): direct charges accepted with 202 and
 * settled after `outcomeDelayMs`, hosted checkout sessions with a card page, a 3-D-Secure-like
 * challenge and ATM virtual accounts (./checkout.ts, ./hosted-pages.ts), refunds, charge lookup
 * and a statement for reconciliation. Every outcome is reported by signed callback. Which direct
 * charges fail is a rule the test (or the dev runtime) chooses.
 */
import type { Express, Router } from 'express';
import {
  DEFAULT_OUTCOME_DELAY_MS,
  createEmulatorApp,
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
} from '../http-util';
import { statementQuerySchema } from '../provider-conventions';
import { checkoutApiRoutes, checkoutControlRoutes } from './checkout';
import {
  chargeRequestSchema,
  refundRequestSchema,
  DEFAULT_VIRTUAL_ACCOUNT_BANK_CODE,
  statementDifferenceSchema,
  type PaymentStatementEntry,
  type Refund,
} from './contract';
import { hostedPageRoutes } from './hosted-pages';
import { createPaymentState, emitChargeEvent, openCharge, settleCharge, type ChargeOutcomeRule, type PaymentEmulatorState } from './state';

export type { ChargeOutcomeRule, ChargeRecord, PaymentEmulatorState, RefundRecord, SessionRecord } from './state';

/** Test tokens with a fixed outcome, like a real provider's sandbox card numbers. */
export const DEFAULT_DECLINE_TOKENS: Readonly<Record<string, BusinessFailure>> = {
  tok_decline: { code: 'card_declined', message: 'The card was declined.' },
  tok_insufficient: { code: 'insufficient_funds', message: 'The account has insufficient funds.' },
};

export function declineByToken(table: Readonly<Record<string, BusinessFailure>> = DEFAULT_DECLINE_TOKENS): ChargeOutcomeRule {
  return (input) => table[input.paymentSource.token];
}

export interface PaymentEmulatorOptions extends EmulatorCommonOptions {
  /** Decides which direct charges fail; default `declineByToken()`. */
  chargeOutcome?: ChargeOutcomeRule;
  /** Origin the hosted pages are reached at (a proxy in front); default: the Host the API request came to. */
  publicBaseUrl?: string;
  /** The bank code of the virtual accounts this provider issues; default 812. */
  virtualAccountBankCode?: string;
}

function applyDifferences(
  entries: PaymentStatementEntry[],
  differences: PaymentEmulatorState['statementDifferences'],
): PaymentStatementEntry[] {
  let result = entries;
  for (const difference of differences) {
    switch (difference.kind) {
      case 'omit':
        result = result.filter((e) => e.id !== difference.entryId);
        break;
      case 'amount':
        result = result.map((e) =>
          e.id === difference.entryId ? { ...e, amountMinor: Math.max(1, e.amountMinor + difference.deltaMinor) } : e,
        );
        break;
      case 'phantom': {
        const id = difference.entryKind === 'charge' ? difference.phantomId : difference.phantomId.replace(/^ch_/, 're_');
        result = [
          ...result,
          {
            kind: difference.entryKind,
            id,
            chargeId: difference.entryKind === 'charge' ? id : difference.phantomChargeId,
            reference: difference.reference,
            amountMinor: difference.amountMinor,
            currency: difference.currency,
            occurredAt: difference.injectedAt,
          },
        ];
        break;
      }
    }
  }
  return result;
}

export function createPaymentEmulator(options: PaymentEmulatorOptions): { app: Express; state: PaymentEmulatorState } {
  const state = createPaymentState({
    ...options,
    outcomeDelayMs: options.outcomeDelayMs ?? DEFAULT_OUTCOME_DELAY_MS,
    chargeOutcome: options.chargeOutcome ?? declineByToken(),
  });
  const checkout = {
    publicBaseUrl: options.publicBaseUrl,
    virtualAccountBankCode: options.virtualAccountBankCode ?? DEFAULT_VIRTUAL_ACCOUNT_BANK_CODE,
  };

  function routes(api: Router): void {
    api.post('/v1/charges', (req, res) => {
      const input = parseOr400(chargeRequestSchema, req.body, res);
      if (!input) return;
      state.idempotency.handle(req, res, input, () => {
        const record = openCharge(state, {
          amountMinor: input.amountMinor,
          currency: input.currency,
          reference: input.reference,
          paymentSourceType: input.paymentSource.type,
          callbackUrl: input.callbackUrl,
        });
        state.timers.later(state.outcomeDelayMs, () => {
          settleCharge(record, state.chargeOutcome(input));
          emitChargeEvent(state, record);
        });
        // A copy: the stored (replayed) response must keep saying `pending`.
        return json(202, { ...record.charge });
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
          return problem(
            422,
            'refund-exceeds-charge',
            'Refund exceeds the refundable amount',
            `refundable ${refundableMinor}, asked ${input.amountMinor}`,
          );
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
        entries.push({
          kind: 'charge',
          id: charge.id,
          chargeId: charge.id,
          reference: charge.reference,
          amountMinor: charge.amountMinor,
          currency: charge.currency,
          occurredAt: settledAt.toISOString(),
          at: settledAt,
        });
      }
      for (const { refund, reference, createdAt } of state.refunds.values()) {
        if (!inRange(createdAt, range)) continue;
        entries.push({
          kind: 'refund',
          id: refund.id,
          chargeId: refund.chargeId,
          reference,
          amountMinor: refund.amountMinor,
          currency: refund.currency,
          occurredAt: createdAt.toISOString(),
          at: createdAt,
        });
      }
      entries.sort((a, b) => a.at.getTime() - b.at.getTime());
      send(
        res,
        json(200, {
          ...range,
          entries: applyDifferences(
            entries.map(({ at: _at, ...entry }) => entry),
            state.statementDifferences,
          ),
        }),
      );
    });

    checkoutApiRoutes(state, checkout)(api);
  }

  const app = createEmulatorApp({
    apiKey: options.apiKey,
    faults: state.faults,
    routes,
    controlRoutes: (control) => {
      checkoutControlRoutes(state)(control);
      control.post('/statement-differences', (req, res) => {
        const difference = parseOr400(statementDifferenceSchema, req.body, res);
        if (!difference) return;
        // A phantom happened when it was invented, not each time the statement is read.
        state.statementDifferences.push({
          ...difference,
          injectedAt: new Date().toISOString(),
          phantomId: newId('ch'),
          phantomChargeId: newId('ch'),
        });
        res.status(201).json(state.statementDifferences);
      });
      control.delete('/statement-differences', (_req, res) => {
        state.statementDifferences = [];
        res.json(state.statementDifferences);
      });
    },
    publicRoutes: hostedPageRoutes(state),
  });

  return { app, state };
}

export function startPaymentEmulator(options: PaymentEmulatorOptions): Promise<EmulatorHandle<PaymentEmulatorState>> {
  const { app, state } = createPaymentEmulator(options);
  return listenOnLoopback(app, state, state.timers, options.port);
}
