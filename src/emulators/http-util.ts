/**
 * The pieces every outside-service emulator shares: problem responses, bearer auth, fault
 * switches, Idempotency-Key replay, signed callbacks with retries, and starting a loopback
 * server. The three emulators differ only in their routes and business rules.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_CHARS,
  PROBLEM_CONTENT_TYPE,
  SIGNATURE_HEADER,
  problemType,
  signCallback,
  type StatementRange,
} from './provider-conventions';

export const JSON_BODY_LIMIT = '64kb';
export const FAULT_DELAY_MAX_MS = 60_000;
export const DEFAULT_OUTCOME_DELAY_MS = 50;
export const DEFAULT_CALLBACK_MAX_ATTEMPTS = 5;
export const DEFAULT_CALLBACK_BACKOFF_BASE_MS = 200;
export const CALLBACK_TIMEOUT_MS = 5_000;
/** What a 429 fault tells the client to wait; short, since only tests and local runs see it. */
export const FAULT_RETRY_AFTER_SECONDS = 1;

// ---------------------------------------------------------------- small values

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export function unixSeconds(at: Date = new Date()): number {
  return Math.floor(at.getTime() / 1000);
}

/** An asynchronous business refusal, reported in a `*.failed` callback. */
export interface BusinessFailure {
  code: string;
  message: string;
}

// ---------------------------------------------------------------- responses

/** A response computed by a handler; kept as data so idempotent replays send the same bytes. */
export interface EmulatorResponse {
  status: number;
  body: unknown;
  isProblem?: boolean;
  headers?: Record<string, string>;
  /** A validation refusal decided inside `IdempotencyStore.handle`: not stored, so a corrected request may reuse the key. */
  notStored?: boolean;
}

export function problem(status: number, code: string, title: string, detail?: string): EmulatorResponse {
  return { status, isProblem: true, body: { type: problemType(code), title, status, ...(detail ? { detail } : {}) } };
}

export function json(status: number, body: unknown): EmulatorResponse {
  return { status, body };
}

export function send(res: Response, response: EmulatorResponse): void {
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  res.status(response.status);
  if (response.isProblem) res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(response.body));
  else res.json(response.body);
}

/** Parses with zod; on failure answers 400 `validation-error` and returns undefined. */
export function parseOr400<S extends z.ZodTypeAny>(schema: S, value: unknown, res: Response): z.infer<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  send(res, problem(400, 'validation-error', 'Request failed validation', detail));
  return undefined;
}

// ---------------------------------------------------------------- auth

function requireBearer(apiKey: string): RequestHandler {
  const expected = `Bearer ${apiKey}`;
  return (req, res, next) => {
    // Key comparison by hash keeps the check constant-time whatever the lengths.
    const given = req.get('authorization') ?? '';
    const same = createHash('sha256').update(given).digest().equals(createHash('sha256').update(expected).digest());
    if (same) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    send(res, problem(401, 'unauthorized', 'Missing or invalid API key', 'Send Authorization: Bearer <api key>'));
  };
}

// ---------------------------------------------------------------- faults

export const faultSettingsSchema = z
  .object({
    /** The next n API requests fail with `status`, before any work (so a retry can succeed). */
    failNext: z.number().int().nonnegative(),
    status: z.union([z.literal(500), z.literal(503), z.literal(429)]),
    /** Added latency on every API request. */
    delayMs: z.number().int().nonnegative().max(FAULT_DELAY_MAX_MS),
    /** Callbacks are recorded but never sent: the product must poll. */
    dropCallbacks: z.boolean(),
    /** Every callback is delivered twice with the same event id: the product must de-duplicate. */
    duplicateCallbacks: z.boolean(),
  })
  .strict();
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

const NO_FAULTS: FaultSettings = { failNext: 0, status: 503, delayMs: 0, dropCallbacks: false, duplicateCallbacks: false };

export class Faults {
  private settings: FaultSettings = { ...NO_FAULTS };
  get current(): Readonly<FaultSettings> {
    return this.settings;
  }
  set(patch: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...faultSettingsSchema.partial().parse(patch) };
  }
  reset(): void {
    this.settings = { ...NO_FAULTS };
  }
  /** Consumes one injected failure, if any is left. */
  takeFailure(): FaultSettings['status'] | undefined {
    if (this.settings.failNext <= 0) return undefined;
    this.settings = { ...this.settings, failNext: this.settings.failNext - 1 };
    return this.settings.status;
  }
}

function applyFaults(faults: Faults): RequestHandler {
  return async (_req, res, next) => {
    const { delayMs } = faults.current;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const status = faults.takeFailure();
    if (status === undefined) return next();
    const response = problem(status, 'emulated-fault', 'Injected fault', `fault switch answered ${status}`);
    if (status !== 500) response.headers = { 'Retry-After': String(FAULT_RETRY_AFTER_SECONDS) };
    send(res, response);
  };
}

function faultsRouter(faults: Faults): Router {
  const router = express.Router();
  router.get('/faults', (_req, res) => void res.json(faults.current));
  router.post('/faults', (req, res) => {
    const patch = parseOr400(faultSettingsSchema.partial(), req.body ?? {}, res);
    if (!patch) return;
    faults.set(patch);
    res.json(faults.current);
  });
  router.delete('/faults', (_req, res) => {
    faults.reset();
    res.json(faults.current);
  });
  return router;
}

// ---------------------------------------------------------------- idempotency

/** Canonical JSON (sorted keys) so `{a,b}` and `{b,a}` count as the same body. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface StoredResponse {
  fingerprint: string;
  response: EmulatorResponse;
}

/**
 * Stripe-style keys: the first complete response for a key is stored and replayed for the same
 * request; the same key with a different request is a client bug and gets 409. Requests that
 * fail validation or hit an injected fault are not stored, so the client may fix and retry.
 */
export class IdempotencyStore {
  private readonly byKey = new Map<string, StoredResponse>();

  /** Answers the request, running `compute` at most once per (route, key). */
  handle(req: Request, res: Response, body: unknown, compute: () => EmulatorResponse): void {
    const key = req.get(IDEMPOTENCY_KEY_HEADER);
    if (key === undefined || key.length === 0) {
      return send(
        res,
        problem(
          400,
          'idempotency-key-required',
          'Idempotency-Key header is required',
          'Every call that moves money needs an Idempotency-Key',
        ),
      );
    }
    if (key.length > IDEMPOTENCY_KEY_MAX_CHARS) {
      return send(
        res,
        problem(400, 'invalid-idempotency-key', 'Idempotency-Key too long', `at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters`),
      );
    }
    const scoped = `${req.method} ${req.baseUrl}${req.path} ${key}`;
    const fingerprint = createHash('sha256').update(canonical(body)).digest('hex');
    const stored = this.byKey.get(scoped);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return send(
          res,
          problem(
            409,
            'idempotency-key-reuse',
            'Idempotency-Key reused with a different request',
            `key "${key}" was first used with a different body`,
          ),
        );
      }
      return send(res, { ...stored.response, headers: { ...stored.response.headers, 'Idempotent-Replayed': 'true' } });
    }
    const response = compute();
    // A 5xx is never stored: the client must be able to retry it with the same key.
    if (response.status < 500 && !response.notStored) this.byKey.set(scoped, { fingerprint, response });
    send(res, response);
  }
}

// ---------------------------------------------------------------- timers

/** Every timer an emulator sets, so close() leaves nothing running behind the tests. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly abort = new AbortController();

  later(ms: number, fn: () => void | Promise<void>): void {
    if (this.stopped) return;
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      if (!this.stopped)
        void Promise.resolve()
          .then(fn)
          .catch(() => undefined);
    }, ms);
    this.pending.add(handle);
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}

// ---------------------------------------------------------------- callbacks

export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  url: string;
  attempt: number;
  /** HTTP status the receiver answered; undefined when dropped or the request failed. */
  status?: number;
  /** `dropped`: the dropCallbacks fault; `no-endpoint`: no webhook URL configured. */
  outcome: 'delivered' | 'rejected' | 'error' | 'dropped' | 'no-endpoint';
}

export interface CallbackSenderOptions {
  secret: string;
  faults: Faults;
  timers: Timers;
  log: DeliveryRecord[];
  maxAttempts?: number;
  backoffBaseMs?: number;
}

/**
 * Delivers signed events. On a non-2xx or a network error the SAME event (same id, same bytes,
 * fresh signature timestamp) is redelivered with exponential backoff, as real providers do.
 */
export class CallbackSender {
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  constructor(private readonly options: CallbackSenderOptions) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_CALLBACK_MAX_ATTEMPTS;
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULT_CALLBACK_BACKOFF_BASE_MS;
  }

  send(url: string | undefined, event: { id: string; type: string }): void {
    const { faults, log } = this.options;
    if (url === undefined) {
      log.push({ eventId: event.id, eventType: event.type, url: '', attempt: 0, outcome: 'no-endpoint' });
      return;
    }
    if (faults.current.dropCallbacks) {
      log.push({ eventId: event.id, eventType: event.type, url, attempt: 0, outcome: 'dropped' });
      return;
    }
    const rawBody = JSON.stringify(event);
    const copies = faults.current.duplicateCallbacks ? 2 : 1;
    for (let i = 0; i < copies; i += 1) void this.attempt(url, event, rawBody, 1);
  }

  private async attempt(url: string, event: { id: string; type: string }, rawBody: string, attempt: number): Promise<void> {
    const { secret, timers, log } = this.options;
    const record: DeliveryRecord = { eventId: event.id, eventType: event.type, url, attempt, outcome: 'error' };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signCallback(secret, rawBody, unixSeconds()) },
        body: rawBody,
        signal: AbortSignal.any([timers.abort.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.status = response.status;
      record.outcome = response.ok ? 'delivered' : 'rejected';
    } catch {
      record.outcome = 'error';
    }
    if (timers.abort.signal.aborted) return;
    log.push(record);
    if (record.outcome === 'delivered' || attempt >= this.maxAttempts) return;
    timers.later(this.backoffBaseMs * 2 ** (attempt - 1), () => this.attempt(url, event, rawBody, attempt + 1));
  }
}

// ---------------------------------------------------------------- events

/** A provider event before it gets its id and time. */
export type EventBody<E> = E extends { type: infer T; data: infer D } ? { type: T; data: D } : never;

/**
 * Emits one provider event: a fresh `evt_` id and the time, recorded once in `events` (however
 * many deliveries follow), then delivered by signed callback to `url`.
 */
export function emitEvent<E extends { id: string; type: string; created: number; data: unknown }>(
  sink: { events: E[]; callbacks: CallbackSender },
  url: string | undefined,
  body: EventBody<E>,
): E {
  const event = { id: newId('evt'), type: body.type, created: unixSeconds(), data: body.data } as E;
  sink.events.push(event);
  sink.callbacks.send(url, event);
  return event;
}

/** Half-open [from, to) filter for statement endpoints. */
export function inRange(at: Date, range: StatementRange): boolean {
  if (range.from !== undefined && at.getTime() < Date.parse(range.from)) return false;
  if (range.to !== undefined && at.getTime() >= Date.parse(range.to)) return false;
  return true;
}

// ---------------------------------------------------------------- app and server

/** Per-emulator shared machinery; each emulator's state extends this. */
export interface EmulatorKernel {
  faults: Faults;
  timers: Timers;
  idempotency: IdempotencyStore;
  callbacks: CallbackSender;
  deliveries: DeliveryRecord[];
}

export interface EmulatorCommonOptions {
  /** Expected in `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Signs callbacks (`X-Signature`). */
  webhookSecret: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** How long until the asynchronous outcome (and its callback). */
  outcomeDelayMs?: number;
  callbackMaxAttempts?: number;
  callbackBackoffBaseMs?: number;
}

export function createKernel(options: EmulatorCommonOptions): EmulatorKernel {
  const faults = new Faults();
  const timers = new Timers();
  const deliveries: DeliveryRecord[] = [];
  const callbacks = new CallbackSender({
    secret: options.webhookSecret,
    faults,
    timers,
    log: deliveries,
    maxAttempts: options.callbackMaxAttempts,
    backoffBaseMs: options.callbackBackoffBaseMs,
  });
  return { faults, timers, idempotency: new IdempotencyStore(), callbacks, deliveries };
}

const invalidJson: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : 500;
  if (status === 400) return send(res, problem(400, 'invalid-json', 'Body is not valid JSON'));
  if (status === 413) return send(res, problem(413, 'payload-too-large', 'Body too large', `limit ${JSON_BODY_LIMIT}`));
  send(res, problem(500, 'internal', 'Emulator error', err instanceof Error ? err.message : String(err)));
};

export interface EmulatorAppSpec {
  apiKey: string;
  /** The service's own credential check, when it is not `Authorization: Bearer <apiKey>`. */
  authenticate?: RequestHandler;
  faults: Faults;
  /** The service's API routes; they get fault injection. */
  routes: (api: Router) => void;
  /** Extra test-control routes under `/__emulator` (no fault injection). */
  controlRoutes?: (control: Router) => void;
  /** Pages a browser opens without the API key (a hosted checkout), mounted before auth. */
  publicRoutes?: (app: Router) => void;
}

/**
 * An app with the shared front matter: bearer auth on everything but the public pages (the
 * `/__emulator` control routes too), JSON bodies, `/__emulator/faults`, fault injection on the
 * API routes, problem 404s.
 */
export function createEmulatorApp(spec: EmulatorAppSpec): Express {
  const app = express();
  app.disable('x-powered-by');
  if (spec.publicRoutes) {
    const pages = express.Router();
    spec.publicRoutes(pages);
    app.use(pages);
  }
  // Auth before parsing: an unauthenticated caller learns nothing about our body rules.
  app.use(spec.authenticate ?? requireBearer(spec.apiKey));
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  const control = faultsRouter(spec.faults);
  spec.controlRoutes?.(control);
  app.use('/__emulator', control);
  const api = express.Router();
  api.use(applyFaults(spec.faults));
  spec.routes(api);
  app.use(api);
  app.use((req, res) => send(res, problem(404, 'not-found', 'No such route', `${req.method} ${req.path}`)));
  app.use(invalidJson);
  return app;
}

export interface EmulatorHandle<S> {
  baseUrl: string;
  state: S;
  close(): Promise<void>;
}

export async function listenOnLoopback<S>(app: Express, state: S, timers: Timers, port = 0): Promise<EmulatorHandle<S>> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${actual}`,
    state,
    close: async () => {
      timers.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
