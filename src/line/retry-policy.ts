import { HTTPFetchError } from '@line/bot-sdk';
import { LineRequestRefused, LineRequestTimeout, LineUnavailable, parseLineErrorBody } from './errors';

export interface RetryPolicy {
  /** Total tries including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Short enough for an activity's start-to-close timeout; Temporal retries the activity beyond this. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };

/** A Retry-After longer than this is not waited out in-process; the activity retry takes over. */
const RETRY_AFTER_CAP_MS = 60_000;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a failed attempt means: give up with a refusal, try again, or (for the caller) a success in disguise. */
export type AttemptFailure =
  | { kind: 'refused'; error: LineRequestRefused }
  | { kind: 'transient'; status: number | undefined; message: string; retryAfterMs?: number };

export function classify(err: unknown): AttemptFailure {
  if (err instanceof HTTPFetchError) {
    const body = parseLineErrorBody(err.body);
    if (err.status === 429 || err.status >= 500) {
      return { kind: 'transient', status: err.status, message: body.message, retryAfterMs: retryAfterMs(err.headers) };
    }
    const requestId = err.headers.get('x-line-request-id') ?? undefined;
    return { kind: 'refused', error: new LineRequestRefused(err.status, body.message, body.details ?? [], requestId) };
  }
  if (err instanceof LineRequestTimeout) return { kind: 'transient', status: undefined, message: err.message };
  // fetch itself failed (connection refused, reset, DNS): the request may or may not have arrived.
  // Checked by name: undici's TypeError may come from another realm (jest, vm), so instanceof fails.
  if (isFetchFailure(err)) return { kind: 'transient', status: undefined, message: err.message };
  throw err;
}

function isFetchFailure(err: unknown): err is { name: string; message: string } {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TypeError';
}

export function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, RETRY_AFTER_CAP_MS) : undefined;
}

/** Exponential backoff with jitter in [half, full] so many workers do not retry in lockstep. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Runs `attempt` until it succeeds, LINE refuses, or attempts run out. `recover` may turn a
 * failure into a result (a 409 for an already-accepted retry key is a success).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  sleep: Sleep,
  attempt: () => Promise<T>,
  recover: (err: unknown) => T | undefined = () => undefined,
): Promise<T> {
  let last: { status: number | undefined; message: string } = { status: undefined, message: 'not attempted' };
  for (let n = 1; n <= policy.maxAttempts; n++) {
    try {
      return await attempt();
    } catch (err) {
      const recovered = recover(err);
      if (recovered !== undefined) return recovered;
      const failure = classify(err);
      if (failure.kind === 'refused') throw failure.error;
      last = failure;
      if (n < policy.maxAttempts) await sleep(failure.retryAfterMs ?? backoffMs(policy, n));
    }
  }
  throw new LineUnavailable(policy.maxAttempts, last.status, last.message);
}
