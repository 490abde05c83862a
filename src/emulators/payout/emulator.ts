/**
 * Payout provider emulator: accepts payouts (202), pays or fails them after `outcomeDelayMs`,
 * reports by signed webhook to the configured endpoint, and serves a statement. The statement
 * can be made to disagree with reality (omit, alter, or invent an entry) so reconciliation
 * has something to find.
 */
import type { Express, Router } from 'express';
import { z } from 'zod';
import { amountMinorSchema, currencySchema, statementQuerySchema } from '../provider-conventions';
import { payoutRequestSchema, type Payout, type PayoutEvent, type PayoutInput, type PayoutStatementEntry } from './contract';
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

/** Sandbox account numbers with a fixed failure, like a real provider's test accounts. */
export const DEFAULT_FAILING_PAYOUT_ACCOUNTS: Readonly<Record<string, BusinessFailure>> = {
  '000000000000': { code: 'account_closed', message: 'The destination account is closed.' },
  '000000000001': { code: 'account_frozen', message: 'The destination account is frozen.' },
};

export type PayoutOutcomeRule = (input: PayoutInput) => BusinessFailure | undefined;

export function failByAccountNumber(table: Readonly<Record<string, BusinessFailure>> = DEFAULT_FAILING_PAYOUT_ACCOUNTS): PayoutOutcomeRule {
  return (input) => table[input.accountNumber];
}

export const statementDifferenceSchema = z.discriminatedUnion('kind', [
  /** The provider "forgot" a payout it made. */
  z.object({ kind: z.literal('omit'), payoutId: z.string() }).strict(),
  /** The provider reports a different amount for a payout. */
  z
    .object({
      kind: z.literal('amount'),
      payoutId: z.string(),
      deltaMinor: z
        .number()
        .int()
        .refine((d) => d !== 0, 'deltaMinor must not be 0'),
    })
    .strict(),
  /** The provider reports a payout we never asked for. */
  z.object({ kind: z.literal('phantom'), reference: z.string().min(1), amountMinor: amountMinorSchema, currency: currencySchema }).strict(),
]);
export type StatementDifference = z.infer<typeof statementDifferenceSchema>;

export interface PayoutEmulatorOptions extends EmulatorCommonOptions {
  /** The webhook endpoint registered with the provider; without one, events are only recorded. */
  webhookUrl?: string;
  /** Decides which payouts fail; default `failByAccountNumber()`. */
  payoutOutcome?: PayoutOutcomeRule;
}

export interface PayoutRecord {
  payout: Payout;
  paidAt?: Date;
}

export interface PayoutEmulatorState extends EmulatorKernel {
  webhookUrl: string | undefined;
  payoutOutcome: PayoutOutcomeRule;
  payouts: Map<string, PayoutRecord>;
  events: PayoutEvent[];
  /** Applied to every statement until cleared; set in code or by `POST /__emulator/statement-differences`. */
  statementDifferences: StatementDifference[];
}

function applyDifferences(entries: PayoutStatementEntry[], differences: readonly StatementDifference[]): PayoutStatementEntry[] {
  let result = entries;
  for (const difference of differences) {
    switch (difference.kind) {
      case 'omit':
        result = result.filter((e) => e.payoutId !== difference.payoutId);
        break;
      case 'amount':
        result = result.map((e) =>
          e.payoutId === difference.payoutId ? { ...e, amountMinor: Math.max(1, e.amountMinor + difference.deltaMinor) } : e,
        );
        break;
      case 'phantom':
        result = [
          ...result,
          {
            payoutId: newId('po'),
            reference: difference.reference,
            amountMinor: difference.amountMinor,
            currency: difference.currency,
            status: 'paid',
            occurredAt: new Date().toISOString(),
          },
        ];
        break;
    }
  }
  return result;
}

export function createPayoutEmulator(options: PayoutEmulatorOptions): { app: Express; state: PayoutEmulatorState } {
  const outcomeDelayMs = options.outcomeDelayMs ?? DEFAULT_OUTCOME_DELAY_MS;
  const state: PayoutEmulatorState = {
    ...createKernel(options),
    webhookUrl: options.webhookUrl,
    payoutOutcome: options.payoutOutcome ?? failByAccountNumber(),
    payouts: new Map(),
    events: [],
    statementDifferences: [],
  };

  function settle(record: PayoutRecord, input: PayoutInput): void {
    const { payout } = record;
    const failure = state.payoutOutcome(input);
    const data = { payoutId: payout.id, reference: payout.reference, amountMinor: payout.amountMinor, currency: payout.currency };
    if (failure) {
      Object.assign(payout, { status: 'failed', failureCode: failure.code, failureMessage: failure.message });
      emitEvent(state, state.webhookUrl, {
        type: 'payout.failed',
        data: { ...data, failureCode: failure.code, failureMessage: failure.message },
      });
    } else {
      payout.status = 'paid';
      record.paidAt = new Date();
      emitEvent(state, state.webhookUrl, { type: 'payout.paid', data });
    }
  }

  function routes(api: Router): void {
    api.post('/v1/payouts', (req, res) => {
      const input = parseOr400(payoutRequestSchema, req.body, res);
      if (!input) return;
      state.idempotency.handle(req, res, input, () => {
        const payout: Payout = {
          id: newId('po'),
          status: 'pending',
          amountMinor: input.amountMinor,
          currency: input.currency,
          reference: input.reference,
          bankCode: input.bankCode,
          accountNumberLast4: input.accountNumber.slice(-4),
          created: unixSeconds(),
        };
        const record: PayoutRecord = { payout };
        state.payouts.set(payout.id, record);
        state.timers.later(outcomeDelayMs, () => settle(record, input));
        return json(202, { ...payout });
      });
    });

    api.get('/v1/payouts/:id', (req, res) => {
      const record = state.payouts.get(req.params.id);
      send(res, record ? json(200, record.payout) : problem(404, 'payout-not-found', 'No such payout', req.params.id));
    });

    api.get('/v1/statement', (req, res) => {
      const range = parseOr400(statementQuerySchema, req.query, res);
      if (!range) return;
      const paid = [...state.payouts.values()]
        .filter((r): r is PayoutRecord & { paidAt: Date } => r.paidAt !== undefined && inRange(r.paidAt, range))
        .sort((a, b) => a.paidAt.getTime() - b.paidAt.getTime())
        .map(({ payout, paidAt }): PayoutStatementEntry => ({
          payoutId: payout.id,
          reference: payout.reference,
          amountMinor: payout.amountMinor,
          currency: payout.currency,
          status: 'paid',
          occurredAt: paidAt.toISOString(),
        }));
      send(res, json(200, { ...range, entries: applyDifferences(paid, state.statementDifferences) }));
    });
  }

  function controlRoutes(control: Router): void {
    control.post('/statement-differences', (req, res) => {
      const difference = parseOr400(statementDifferenceSchema, req.body, res);
      if (!difference) return;
      state.statementDifferences.push(difference);
      res.status(201).json(state.statementDifferences);
    });
    control.delete('/statement-differences', (_req, res) => {
      state.statementDifferences = [];
      res.json(state.statementDifferences);
    });
  }

  const app = createEmulatorApp({ apiKey: options.apiKey, faults: state.faults, routes, controlRoutes });
  return { app, state };
}

export function startPayoutEmulator(options: PayoutEmulatorOptions): Promise<EmulatorHandle<PayoutEmulatorState>> {
  const { app, state } = createPayoutEmulator(options);
  return listenOnLoopback(app, state, state.timers, options.port);
}
