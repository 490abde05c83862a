import type { Outgoing } from '../../chat/messages';
import type { ChatPort } from '../../chat/port';
import { createPaymentLink, type CreateLinkResult } from '../../links/create-link';
import type { Language } from '../render';
import type { EventContext } from './context';
import type { Currency } from '../../domain/money';
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

export interface ChatSale {
  name: string;
  unitPriceMinor: number;
  quantity: number;
  currency: Currency;
  description?: string;
  /** A photo sent in the chat goes with this sale (tied to its transaction code by `created`). */
  hasPhoto?: boolean;
}

export interface SellOptions {
  /** Runs once the link exists and before its card is sent (e.g. the photo is tied to its transaction code). */
  created?: (paymentCode: string) => Promise<void>;
  /** What to say when the seller's wallet must be activated first. */
  walletActivationText?: string;
}

export async function sellFromChat(
  ctx: EventContext,
  event: InboxEvent,
  userId: string,
  sale: ChatSale,
  language: Language,
  options: SellOptions = {},
): Promise<CreateLinkResult['status']> {
  const texts = CHAT_TEXTS[language];
  const say = (value: string) => ctx.responder.respond(event, userId, [withMenu(text(value), language)], 'answer');

  let effect = event.effect?.sell as SellEffect | undefined;
  if (effect === undefined) {
    const held = new HeldChatPort(ctx.chat);
    // Keyed by the LINE event: a redelivered or re-driven event finds the link it made.
    const result = await createPaymentLink(
      { ...ctx, chat: held },
      userId,
      {
        name: sale.name,
        unitPriceMinor: sale.unitPriceMinor,
        quantity: sale.quantity,
        currency: sale.currency,
        ...(sale.description ? { description: sale.description } : {}),
        ...(sale.hasPhoto ? { hasPhoto: true } : {}),
        variant: 'full',
      },
      `line-event:${event.webhookEventId}`,
    );
    effect = { status: result.status, paymentCode: result.status === 'created' ? result.paymentCode : undefined, pending: held.held };
    await recordEffect(ctx.knex, event.webhookEventId, { sell: effect });
  }
  if (effect.paymentCode && effect.pending.length > 0) await options.created?.(effect.paymentCode);
  for (const outgoing of effect.pending) await ctx.chat.send(outgoing);
  if (effect.pending.length > 0) await recordEffect(ctx.knex, event.webhookEventId, { sell: { ...effect, pending: [] } });
  // 'created': the link card (S306) just sent is the answer.
  if (effect.status === 'wallet_activation_required') await say(options.walletActivationText ?? texts.walletActivationRequired);
  if (effect.status === 'refused') await say(texts.sellerRefused);
  return effect.status;
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
