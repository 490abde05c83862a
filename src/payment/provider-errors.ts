/**
 * How a call to an outside service failed, in the two kinds callers act on differently:
 * refused (4xx: our request was wrong or the business said no; retrying the same request will
 * not help, so Temporal activities raise a non-retryable failure) versus unavailable
 * (5xx, 429, timeout, network: retry later with the SAME idempotency key).
 * Each service subclasses these so callers can also tell which service failed.
 */
import { problemCode, type Problem } from './problem';

export class ProviderRefused extends Error {
  readonly retryable = false;
  /** Stable machine code: last segment of the problem type, e.g. `idempotency-key-reuse`. */
  readonly code: string;
  constructor(
    readonly service: string,
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${service} refused the request (${status} ${problemCode(problem.type)}): ${problem.detail ?? problem.title}`);
    this.name = new.target.name;
    this.code = problemCode(problem.type);
  }
  get problemType(): string {
    return this.problem.type;
  }
}

export class ProviderUnavailable extends Error {
  readonly retryable = true;
  constructor(
    readonly service: string,
    message: string,
    /** HTTP status when the service answered at all; undefined for network errors and timeouts. */
    readonly status?: number,
    /** From `Retry-After` on 429/503, when the service gave one. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(`${service} unavailable: ${message}`, options);
    this.name = new.target.name;
  }
}

/**
 * A 2xx whose body breaks the contract. Not retryable by default: the same request will most
 * likely get the same answer, and someone must look at it.
 */
export class ProviderBadResponse extends Error {
  readonly retryable = false;
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(`${service} sent a response outside its contract: ${message}`);
    this.name = new.target.name;
  }
}

export type RefusedClass = new (service: string, status: number, problem: Problem) => ProviderRefused;
export type UnavailableClass = new (
  service: string,
  message: string,
  status?: number,
  retryAfterSeconds?: number,
  options?: { cause?: unknown },
) => ProviderUnavailable;
