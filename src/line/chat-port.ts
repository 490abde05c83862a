import { createHash } from 'node:crypto';
import { ChatRefused } from '../chat/errors';
import type { Outgoing } from '../chat/messages';
import type { ChatPort } from '../chat/port';
import type { LineAdapter } from './adapter';
import { LineMessageUnfittable, LineRequestRefused } from './errors';
import { renderDealMessage, type Language, type RenderOptions } from './render';
import { retryKeyFor } from './retry-key';

export type LanguageOf = (userId: string) => Promise<Language>;

/**
 * The deal's chat port on LINE: renders each deal message in the recipient's language and
 * pushes it. The caller's retry key becomes LINE's X-Line-Retry-Key, so when a Temporal
 * activity is retried after LINE already accepted the push, LINE answers 409 and nothing is
 * delivered twice (for LINE's 24 hours of retry-key memory). LINE refusing the message for good
 * becomes ChatRefused (see there), so the deal records it and goes on instead of retrying it.
 */
export class LineChatPort implements ChatPort {
  constructor(
    private readonly adapter: LineAdapter,
    private readonly languageOf: LanguageOf,
    private readonly renderOptions: RenderOptions = {},
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const language = await this.languageOf(outgoing.to);
    const messages = renderDealMessage(outgoing.message, language, this.renderOptions);
    // LINE keeps the first body sent under a retry key and answers 409 to any other: a key that
    // ever carried two bodies would lose a message. So the key names the body it carries, too;
    // a caller's retry with the same meaning renders the same body and is de-duplicated by LINE.
    const body = createHash('sha256').update(JSON.stringify(messages)).digest('base64url');
    try {
      await this.adapter.push(outgoing.to, messages, retryKeyFor('chat', `${outgoing.retryKey}#${body}`));
    } catch (err) {
      throw permanentRefusal(outgoing.to, err) ?? err;
    }
  }

  isBoundUser(userId: string): Promise<boolean> {
    return this.adapter.isFriend(userId);
  }

  async displayName(userId: string): Promise<string | undefined> {
    return (await this.adapter.getProfile(userId))?.displayName;
  }
}

/**
 * LINE's refusals that no retry of the same message can change. A 401 is not one: it rejects our
 * access token for every message, and once an operator fixes the token they all go through.
 */
function permanentRefusal(to: string, err: unknown): ChatRefused | undefined {
  if (err instanceof LineRequestRefused && err.status !== 401) return new ChatRefused(to, err.message, err.status);
  if (err instanceof LineMessageUnfittable) return new ChatRefused(to, err.message);
  return undefined;
}
