import type { ChatPort } from './port';
import type { DealMessage, Outgoing } from './messages';

/** A chat port that keeps what it was asked to send, de-duplicated by retry key. */
export class RecordingChatPort implements ChatPort {
  private readonly delivered = new Map<string, Outgoing>();
  private readonly friends = new Set<string>();

  async send(outgoing: Outgoing): Promise<void> {
    if (!this.delivered.has(outgoing.retryKey)) this.delivered.set(outgoing.retryKey, outgoing);
  }

  async isBoundUser(userId: string): Promise<boolean> {
    return this.friends.has(userId);
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
