import type { ChatPort } from './port';
import type { DealMessage, Outgoing } from './messages';

/**
 * A chat port that keeps what it was asked to say, by meaning, de-duplicated by retry key.
 * With an inner port (tests: LINE through the real SDK and the LINE emulator) it records only
 * what the inner port accepted, and friendship is the inner port's answer.
 */
export class RecordingChatPort implements ChatPort {
  private readonly delivered = new Map<string, Outgoing>();
  private readonly friends = new Set<string>();
  /** Every send the inner port failed or refused, with its error. */
  readonly failures: Array<{ outgoing: Outgoing; error: unknown }> = [];

  constructor(private readonly inner?: ChatPort) {}

  async send(outgoing: Outgoing): Promise<void> {
    try {
      await this.inner?.send(outgoing);
    } catch (error) {
      this.failures.push({ outgoing, error });
      throw error;
    }
    if (!this.delivered.has(outgoing.retryKey)) this.delivered.set(outgoing.retryKey, outgoing);
  }

  async isBoundUser(userId: string): Promise<boolean> {
    return this.inner ? this.inner.isBoundUser(userId) : this.friends.has(userId);
  }

  async displayName(userId: string): Promise<string | undefined> {
    return this.inner?.displayName(userId);
  }

  setBound(userId: string, bound: boolean): void {
    if (bound) this.friends.add(userId);
    else this.friends.delete(userId);
  }

  messagesTo(userId: string): DealMessage[] {
    return [...this.delivered.values()].filter((o) => o.to === userId).map((o) => o.message);
  }

  kindsTo(userId: string): string[] {
    return this.messagesTo(userId).map((m) => m.kind);
  }

  all(): Outgoing[] {
    return [...this.delivered.values()];
  }
}
