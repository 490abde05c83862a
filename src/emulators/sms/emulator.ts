/**
 * SMS provider emulator (contract in ./contract.ts: Vonage Messages API, SMS channel). It keeps
 * every accepted message so tests, and a person clicking through `npm start`, can read the code
 * a "phone" received: `GET /__emulator/messages/last?to=<number>`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Express, RequestHandler, Router } from 'express';
import type { ZodIssue } from 'zod';
import { ERROR_CODES, ERROR_TYPE_BASE, MESSAGES_PATH, UNAUTHORIZED_TYPE, destinationDigits, sendSmsRequestSchema } from './contract';
import {
  Faults,
  Timers,
  createEmulatorApp,
  json,
  listenOnLoopback,
  problem,
  send,
  type EmulatorHandle,
  type EmulatorResponse,
} from '../http-util';

export interface SentSms {
  messageUuid: string;
  to: string;
  from: string;
  text: string;
  clientRef?: string;
  acceptedAt: string;
}

export interface SmsEmulatorOptions {
  apiKey: string;
  apiSecret: string;
  port?: number;
  /** Called for each accepted message (the dev runtime prints it: there is no real phone). */
  onMessage?: (sms: SentSms) => void;
}

export interface SmsEmulatorState {
  faults: Faults;
  timers: Timers;
  /** Every accepted message, oldest first. */
  messages: SentSms[];
  /** Destinations (API digits) the network refuses (error 1050). */
  barred: Set<string>;
}

function vonageProblem(status: number, code: number, title: string, detail: string, extra: Record<string, unknown> = {}): EmulatorResponse {
  return {
    status,
    isProblem: true,
    body: { type: `${ERROR_TYPE_BASE}${code}`, title, detail, instance: randomBytes(16).toString('hex'), ...extra },
  };
}

function parameterProblem(issues: ZodIssue[]): EmulatorResponse {
  const missing = issues.some((i) => i.code === 'invalid_type' && i.received === 'undefined');
  const invalid = issues.map((i) => ({ name: i.path.join('.') || '(body)', reason: i.message }));
  return missing
    ? vonageProblem(422, ERROR_CODES.missingParams, 'Missing params', 'Your request is incomplete and missing some mandatory parameters.', {
        invalid_parameters: invalid,
      })
    : vonageProblem(422, ERROR_CODES.invalidParams, 'Invalid params', 'The value of one or more parameters is invalid.', {
        invalid_parameters: invalid,
      });
}

/** HTTP Basic with the account's key and secret; compared by hash so timing says nothing. */
function requireBasic(apiKey: string, apiSecret: string): RequestHandler {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = digest(`Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`);
  return (req, res, next) => {
    if (digest(req.get('authorization') ?? '').equals(expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic');
    send(res, {
      status: 401,
      isProblem: true,
      body: {
        type: UNAUTHORIZED_TYPE,
        title: 'Unauthorized',
        detail: 'You did not provide correct credentials.',
        instance: randomBytes(16).toString('hex'),
      },
    });
  };
}

export function createSmsEmulator(options: SmsEmulatorOptions): { app: Express; state: SmsEmulatorState } {
  const state: SmsEmulatorState = { faults: new Faults(), timers: new Timers(), messages: [], barred: new Set() };

  function routes(api: Router): void {
    api.post(MESSAGES_PATH, (req, res) => {
      const parsed = sendSmsRequestSchema.safeParse(req.body ?? {});
      if (!parsed.success) return send(res, parameterProblem(parsed.error.issues));
      const input = parsed.data;
      if (state.barred.has(input.to)) {
        return send(
          res,
          vonageProblem(
            422,
            ERROR_CODES.numberBarred,
            'Number barred',
            'The number you are trying to submit to is blacklisted and may not receive messages.',
          ),
        );
      }
      const sms: SentSms = {
        messageUuid: randomUUID(),
        to: input.to,
        from: input.from,
        text: input.text,
        ...(input.client_ref !== undefined ? { clientRef: input.client_ref } : {}),
        acceptedAt: new Date().toISOString(),
      };
      state.messages.push(sms);
      options.onMessage?.(sms);
      send(res, json(202, { message_uuid: sms.messageUuid }));
    });
  }

  function controlRoutes(control: Router): void {
    const to = (query: unknown) => (typeof query === 'string' && query !== '' ? destinationDigits(query) : undefined);
    control.get('/messages', (req, res) => {
      const wanted = to(req.query.to);
      res.json({ messages: state.messages.filter((m) => wanted === undefined || m.to === wanted) });
    });
    control.get('/messages/last', (req, res) => {
      const wanted = to(req.query.to);
      if (wanted === undefined)
        return send(res, problem(400, 'validation-error', 'Query `to` is required', 'GET /__emulator/messages/last?to=<number>'));
      const found = state.messages.filter((m) => m.to === wanted).at(-1);
      send(res, found ? json(200, found) : problem(404, 'no-message', 'No message sent to this number', wanted));
    });
  }

  const app = createEmulatorApp({
    apiKey: options.apiKey,
    authenticate: requireBasic(options.apiKey, options.apiSecret),
    faults: state.faults,
    routes,
    controlRoutes,
  });
  return { app, state };
}

export type RunningSmsEmulator = EmulatorHandle<SmsEmulatorState>;

export function startSmsEmulator(options: SmsEmulatorOptions): Promise<RunningSmsEmulator> {
  const { app, state } = createSmsEmulator(options);
  return listenOnLoopback(app, state, state.timers, options.port);
}
