import type { Outgoing } from './messages';

/**
 * The chat platform as the deal sees it. LINE implements it in src/line; tests use the
 * recording implementation. Retries are the caller's (a Temporal activity): `send` must be
 * idempotent per retryKey.
 */
export interface ChatPort {
  send(outgoing: Outgoing): Promise<void>;
  /** Is the user a bound user (friend) of our official account? (S102) */
  isBoundUser(userId: string): Promise<boolean>;
  /** The name the user shows on the platform, when they are a friend (to name them to others without their id). */
  displayName(userId: string): Promise<string | undefined>;
}
