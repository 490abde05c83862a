import type { Outgoing } from '../../chat/messages';
import type { ChatPort } from '../../chat/port';
import { createPaymentLink, type CreateLinkResult } from '../../links/create-link';
import type { EventHandler } from './context';
import { parseCommand } from './commands';
import { recordEffect } from './inbox';
import { languageOf } from './lookup';
import { text } from './respond';
import { CHAT_TEXTS } from './texts';

/**
 * Text messages: `sell …` / `賣 …` creates a payment link (S301–S306) without leaving the chat;
 * anything else gets the help text.
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

export const handleText: EventHandler = async (ctx, event, userId) => {
  const message = (event.payload as { message?: { type?: string; text?: unknown } }).message;
  const texts = CHAT_TEXTS[await languageOf(ctx.knex, ctx.line, userId)];
  const say = (value: string) => ctx.responder.respond(event, userId, [text(value)], 'answer');
  const command = message?.type === 'text' && typeof message.text === 'string' ? parseCommand(message.text) : { kind: 'help' as const };
  if (command.kind === 'help') return say(texts.help).then(() => 'done');
  if (command.kind === 'sell_invalid') return say(texts.sellInvalid[command.problem]).then(() => 'done');

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
};

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
