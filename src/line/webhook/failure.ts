/**
 * Why handling an inbox event failed decides how long it is retried:
 * - transport: one of our own parts or LINE could not be reached or failed as a whole (Temporal
 *   unreachable or timing out, PostgreSQL down, LINE answering 5xx/429 until our retries ran
 *   out, a reset connection). Nothing is wrong with the event; it is retried for as long as it
 *   can still matter (the retry horizon), because a buyer's tap must survive our outage.
 * - event: the event itself cannot be handled (data we did not expect, a bug, LINE refusing the
 *   answer for good). Retrying a few times covers a race; after that it is set aside (gave_up).
 *
 * Errors are recognised by name and shape, not instanceof: the SDKs' classes may come from
 * another copy of the package (jest, vm), and pg, undici and grpc errors are plain objects.
 */
export type FailureKind = 'transport' | 'event';

/** gRPC codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) that say nothing about the request itself. */
const TRANSPORT_GRPC_CODES = new Set([
  1, // CANCELLED: the call was cut (e.g. the connection closed)
  2, // UNKNOWN: the server or a proxy failed without saying why
  4, // DEADLINE_EXCEEDED
  7, // PERMISSION_DENIED: our credentials or the namespace's, fixed by an operator, not by the event
  8, // RESOURCE_EXHAUSTED: rate or capacity limits of the server
  10, // ABORTED
  13, // INTERNAL: the server's 5xx
  14, // UNAVAILABLE: unreachable, restarting, overloaded
  15, // DATA_LOSS
  16, // UNAUTHENTICATED: as PERMISSION_DENIED
]);

/** Connection-level errors of Node's net/dns and undici. */
const NETWORK_ERROR_CODE = /^(E(CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)|UND_ERR_\w+)$/;

/** PostgreSQL SQLSTATEs of a database that is down, restarting, overloaded or asking us to try again. */
const TRANSIENT_SQLSTATE = /^(08...|53...|57P0[1-3]|40001|40P01|55P03)$/;

/** Error names of our own parts that mean "not now": LINE after our retries, knex's pool, fetch and gRPC timeouts. */
const TRANSPORT_ERROR_NAMES = new Set([
  'LineUnavailable',
  'KnexTimeoutError',
  'TimeoutError',
  'AbortError',
  'WorkflowUpdateRPCTimeoutOrCancelledError',
]);

/** pg's errors for a connection that broke under it carry no code. */
const BROKEN_CONNECTION_MESSAGE =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i;

const MAX_CAUSE_DEPTH = 8;

export function failureKind(err: unknown): FailureKind {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const e = current as {
      name?: unknown;
      code?: unknown;
      details?: unknown;
      metadata?: unknown;
      status?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof e.name === 'string' && TRANSPORT_ERROR_NAMES.has(e.name)) return 'transport';
    if (isGrpcStatus(e)) return TRANSPORT_GRPC_CODES.has(e.code) ? 'transport' : 'event';
    if (typeof e.code === 'string' && (NETWORK_ERROR_CODE.test(e.code) || TRANSIENT_SQLSTATE.test(e.code))) return 'transport';
    if (typeof e.message === 'string' && BROKEN_CONNECTION_MESSAGE.test(e.message)) return 'transport';
    // A raw HTTP error of an outside service (LINE's HTTPFetchError): its 5xx and 429 are transient.
    if (e.name === 'HTTPFetchError' && typeof e.status === 'number' && (e.status >= 500 || e.status === 429)) return 'transport';
    // LINE rejecting our access token refuses every event alike; an operator's fix lets them all through.
    if (e.name === 'LineRequestRefused' && e.status === 401) return 'transport';
    // The Temporal client wraps every failed RPC in a ServiceError; a non-gRPC cause is a broken channel.
    if (e.name === 'ServiceError' && !isGrpcStatus(e.cause)) return 'transport';
    current = e.cause;
  }
  return 'event';
}

function isGrpcStatus(value: unknown): value is { code: number } {
  if (value === null || typeof value !== 'object') return false;
  const e = value as { code?: unknown; details?: unknown; metadata?: unknown };
  return typeof e.code === 'number' && typeof e.details === 'string' && typeof e.metadata === 'object' && e.metadata !== null;
}

/** The error and its causes on one line (the Temporal client's own message hides the gRPC status in its cause). */
export function describeFailure(err: unknown, maxChars = 1000): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined && current !== null; depth++) {
    parts.push(
      current instanceof Error || (typeof current === 'object' && 'message' in current)
        ? `${(current as Error).name ?? 'Error'}: ${(current as Error).message}`
        : String(current),
    );
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' <- ').slice(0, maxChars);
}
