/**
 * The chat platform refused a message for good: retrying the same message cannot change the
 * answer (on LINE: 400 invalid or unknown recipient, 403, 404, 413, 415, or a message our code
 * cannot fit to LINE's limits). Transient failures (network, 429, 5xx) and a rejected access
 * token (fixed by an operator, then every message goes through) are other errors, retried.
 * activities/messaging.ts records it and goes on; one that escapes an activity reaches Temporal
 * as an ApplicationFailure of type 'ChatRefused' (its name), which retry policies list as
 * non-retryable.
 */
export class ChatRefused extends Error {
  constructor(
    readonly to: string,
    readonly reason: string,
    /** The platform's status code, when it answered. */
    readonly status?: number,
  ) {
    super(`the chat platform refused a message to ${to}: ${reason}`);
    this.name = 'ChatRefused';
  }
}
