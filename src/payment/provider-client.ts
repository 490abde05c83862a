/**
 * The one HTTP path every outside-service client uses: bearer auth, Idempotency-Key, a time
 * limit, problem+json parsing and the refused/unavailable split. The service clients only add
 * their routes and schemas.
 */
import type { z } from 'zod';
import { problemSchema, type Problem } from './problem';
import { providerCallErrors, providerCalls } from '../observability/metrics';
import { ProviderBadResponse, type RefusedClass, type UnavailableClass } from './provider-errors';

/** A provider that has not answered in this long is treated as unavailable (retryable). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;
/** Stripe's limit; our keys (workflow id + step) are far shorter. */
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ProviderClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The whole Authorization header, for a service that does not take `Bearer <apiKey>`. */
  authorization?: string;
  fetchImpl?: FetchLike;
  timeoutMs?: number;
}

export interface ServiceIdentity {
  /** Human name used in error messages, e.g. `payment provider`. */
  service: string;
  Refused: RefusedClass;
  Unavailable: UnavailableClass;
}

export interface RequestSpec<S extends z.ZodTypeAny> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  responseSchema: S;
}

export type JsonApi = <S extends z.ZodTypeAny>(spec: RequestSpec<S>) => Promise<z.infer<S>>;

function retryAfterSeconds(response: Response): number | undefined {
  const raw = response.headers.get('retry-after');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function assertIdempotencyKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_CHARS) {
    throw new TypeError(`idempotency key must be 1–${IDEMPOTENCY_KEY_MAX_CHARS} characters`);
  }
}

export function createJsonApi(identity: ServiceIdentity, options: ProviderClientOptions): JsonApi {
  const { service, Refused, Unavailable } = identity;
  const fetchImpl: FetchLike = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  // Trailing slash so `new URL('v1/x', base)` keeps any path prefix a production base URL has.
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;

  const provider = service.replace(/\s+/g, '_');
  // Every call counted, every failure by kind: the provider error-rate alert divides the two.
  return async function counted<S extends z.ZodTypeAny>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    providerCalls.inc({ provider });
    try {
      return await call(spec);
    } catch (err) {
      const kind = err instanceof Unavailable ? 'unavailable' : err instanceof Refused ? 'refused' : 'bad_response';
      providerCallErrors.inc({ provider, kind });
      throw err;
    }
  };

  async function call<S extends z.ZodTypeAny>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    const url = new URL(spec.path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      authorization: options.authorization ?? `Bearer ${options.apiKey}`,
      accept: 'application/json, application/problem+json',
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.idempotencyKey !== undefined) {
      assertIdempotencyKey(spec.idempotencyKey);
      headers[IDEMPOTENCY_KEY_HEADER] = spec.idempotencyKey;
    }

    let response: Response;
    let json: unknown;
    try {
      response = await fetchImpl(url.toString(), {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the try: a server that sends its headers and then stalls times out here.
      json = await readJson(response);
    } catch (cause) {
      const what = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error';
      throw new Unavailable(service, `${spec.method} ${url.pathname}: ${what}`, undefined, undefined, { cause });
    }

    if (response.status >= 500 || response.status === 429) {
      throw new Unavailable(
        service,
        `${spec.method} ${url.pathname} answered ${response.status}`,
        response.status,
        retryAfterSeconds(response),
      );
    }
    if (response.status >= 400) {
      const parsed = problemSchema.safeParse(json);
      const problem: Problem = parsed.success
        ? parsed.data
        : { type: 'about:blank', title: response.statusText || 'Error', status: response.status };
      throw new Refused(service, response.status, problem);
    }
    if (response.status < 200 || response.status >= 300) {
      throw new ProviderBadResponse(service, `${spec.method} ${url.pathname} answered ${response.status}`);
    }
    const parsed = spec.responseSchema.safeParse(json);
    if (!parsed.success) {
      throw new ProviderBadResponse(
        service,
        `${spec.method} ${url.pathname}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }
}
