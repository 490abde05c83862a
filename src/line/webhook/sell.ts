import type { Outgoing } from '../../chat/messages';
import type { ChatPort } from '../../chat/port';
import { createPaymentLink, type CreateLinkResult } from '../../links/create-link';
import type { Language } from '../render';
import type { EventContext, HandlerOutcome } from './context';
import type { Command } from './commands';
import { recordEffect, type InboxEvent } from './inbox';
import { withMenu } from './menu';
import { text } from './respond';
import { CHAT_TEXTS } from './texts';

/**
 * `sell …` / `賣 …` typed into the chat creates a payment link (S301–S306) without leaving it.
 *
 * Creating a link is not idempotent (each gets a fresh random code), so the link is created with
 * its chat messages held back, the result and those messages are recorded on the inbox row, and
 * only then are the messages sent (idempotent by their retry keys). A retried event finds the
 * record and only sends. Once sent, the record keeps the status and code but drops the messages,
 * so the dynamic password does not linger in the inbox.
 */
interface SellEffect {
  status: CreateLinkResult['status'];
  paymentCode?: string;
  pending: Outgoing[];
}

export async function sellFromChat(
  ctx: EventContext,
  event: InboxEvent,
  userId: string,
  command: Extract<Command, { kind: 'sell' }>,
  language: Language,
): Promise<HandlerOutcome> {
  const texts = CHAT_TEXTS[language];
  const say = (value: string) => ctx.responder.respond(event, userId, [withMenu(text(value), language)], 'answer');

  let effect = event.effect?.sell as SellEffect | undefined;
  if (effect === undefined) {
    const held = new HeldChatPort(ctx.chat);
    const result = await createPaymentLink({ ...ctx, chat: held }, userId, {
      name: command.name,
      unitPriceMinor: command.unitPriceMinor,
      quantity: command.quantity,
      currency: command.currency,
      variant: 'full',
    });
    effect = { status: result.status, paymentCode: result.status === 'created' ? result.paymentCode : undefined, pending: held.held };
    await recordEffect(ctx.knex, event.webhookEventId, { sell: effect });
  }
  for (const outgoing of effect.pending) await ctx.chat.send(outgoing);
  if (effect.pending.length > 0) await recordEffect(ctx.knex, event.webhookEventId, { sell: { ...effect, pending: [] } });
  // 'created': the link card (S306) just sent is the answer.
  if (effect.status === 'wallet_activation_required') await say(texts.walletActivationRequired);
  if (effect.status === 'refused') await say(texts.sellerRefused);
  return 'done';
}

/** Holds what the link writer wants to say until its result is on record. */
class HeldChatPort implements ChatPort {
  readonly held: Outgoing[] = [];
  constructor(private readonly inner: ChatPort) {}
  async send(outgoing: Outgoing): Promise<void> {
    this.held.push(outgoing);
  }
  isBoundUser(userId: string): Promise<boolean> {
    return this.inner.isBoundUser(userId);
  }
  displayName(userId: string): Promise<string | undefined> {
    return this.inner.displayName(userId);
  }
}
