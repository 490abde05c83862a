import type { messagingApi } from '@line/bot-sdk';
import type { Knex } from 'knex';
import { CURRENCIES, type Currency } from '../../domain/money';
import { TEXT_LIMITS } from '../../domain/limits';
import { saleOf, tiePhoto, type DraftRow } from '../../links/sale-drafts';
import { lineContentFetcher, type MessageContent } from '../content';
import type { Language } from '../render';
import type { Command } from './commands';
import type { EventContext, HandlerOutcome } from './context';
import type { InboxEvent } from './inbox';
import { finish } from './menu-handlers';
import { encodeMenuPostback } from './menu-postback';
import { MENU_TEXTS } from './menu-texts';
import { text } from './respond';
import { sellFromChat } from './sell';

/**
 * A seller's sale from the chat, step by step (issue 10, "seller's first sale"):
 * 1. `sell <price> <qty> <name>` opens a draft (migration 0021) and asks for the currency with
 *    quick replies; the price is in whole units of the currency chosen next;
 * 2. a picture sent now becomes the product photo (copied from LINE's content API), a line of
 *    text its description — buyers see both, the photo under our transaction-code watermark;
 * 3. a currency tapped creates the link. A seller whose e-wallet is not active is sent the
 *    activation request; the draft waits, and the link is created as soon as the wallet is
 *    active (createPendingSale, called when activation succeeds): nobody types `sell` twice.
 */
type SaleCommand = Extract<Command, { kind: 'sell' }>;

const PHOTO_TYPES = ['image/jpeg', 'image/png'];

const drafts = (knex: Knex) => knex<DraftRow>('sale_drafts');

export async function openDraft(ctx: EventContext, event: InboxEvent, userId: string, command: SaleCommand, language: Language) {
  // The command parser reads whole units (its minor units are TWD's, which has none below the unit).
  await ctx.knex.raw(
    `insert into sale_drafts (seller_id, product_name, unit_price, quantity, state)
     values (?, ?, ?, ?, 'choosing_currency')
     on conflict (seller_id) do update set product_name = excluded.product_name, unit_price = excluded.unit_price,
       quantity = excluded.quantity, currency = null, description = null, photo_id = null, state = 'choosing_currency', updated_at = now()`,
    [userId, command.name, command.unitPriceMinor, command.quantity],
  );
  const t = MENU_TEXTS[language];
  return answer(
    ctx,
    event,
    userId,
    [currencyChoice(t.chooseCurrency(command.name, String(command.unitPriceMinor), command.quantity), language)],
    language,
  );
}

/** The draft waiting for its currency, if any (a photo or a text can only go to that one). */
export async function openDraftOf(knex: Knex, userId: string): Promise<DraftRow | undefined> {
  return drafts(knex).where({ seller_id: userId, state: 'choosing_currency' }).first();
}

export async function addPhoto(ctx: EventContext, event: InboxEvent, userId: string, messageId: string, language: Language) {
  const t = MENU_TEXTS[language];
  if (!(await openDraftOf(ctx.knex, userId))) return answer(ctx, event, userId, [text(t.photoWithoutSale)], language);
  let content: MessageContent;
  try {
    content = await lineContentFetcher({
      channelAccessToken: ctx.settings.line.channelAccessToken,
      dataApiBaseUrl: ctx.settings.line.dataApiBaseUrl,
      timeoutMs: ctx.settings.line.apiTimeoutMs,
    })(messageId);
  } catch (err) {
    if (/above \d+ bytes/.test((err as Error).message)) return answer(ctx, event, userId, [text(t.photoUnusable)], language);
    throw err; // transport: the inbox retries the event
  }
  const contentType = content.contentType.split(';')[0]!.trim().toLowerCase();
  if (!PHOTO_TYPES.includes(contentType) || content.bytes.length === 0)
    return answer(ctx, event, userId, [text(t.photoUnusable)], language);
  // Keyed by LINE's message id: a retried event stores the photo once.
  await ctx.knex.raw(
    `insert into product_photos (seller_id, content_type, bytes, line_message_id) values (?, ?, ?, ?)
     on conflict (line_message_id) do nothing`,
    [userId, contentType, content.bytes, messageId],
  );
  const photo = await ctx.knex('product_photos').where({ line_message_id: messageId }).first('id');
  await drafts(ctx.knex)
    .where({ seller_id: userId })
    .update({ photo_id: photo.id, updated_at: ctx.knex.fn.now() } as never);
  return answer(ctx, event, userId, [currencyChoice(t.photoAdded, language)], language);
}

export async function addDescription(ctx: EventContext, event: InboxEvent, userId: string, description: string, language: Language) {
  const t = MENU_TEXTS[language];
  await drafts(ctx.knex)
    .where({ seller_id: userId })
    .update({ description: description.slice(0, TEXT_LIMITS.productDescriptionMaxChars), updated_at: ctx.knex.fn.now() } as never);
  return answer(ctx, event, userId, [currencyChoice(t.descriptionAdded, language)], language);
}

/** A currency tapped: the link is created now, or as soon as the wallet is active. */
export async function chooseCurrency(ctx: EventContext, event: InboxEvent, userId: string, currency: Currency, language: Language) {
  const t = MENU_TEXTS[language];
  const draft = await openDraftOf(ctx.knex, userId);
  // A retried event finds its draft gone but its result on record (sellFromChat reads it).
  const recorded = event.effect?.sell !== undefined;
  if (!draft && !recorded) return answer(ctx, event, userId, [text(t.noSaleToPrice)], language);
  // Without a draft the recorded result is all sellFromChat reads: the sale passed is not used.
  const sale = draft ? saleOf(draft, currency) : { name: '', unitPriceMinor: 0, quantity: 0, currency, photoId: null };
  if (sale === undefined) return answer(ctx, event, userId, [text(t.priceTooLarge)], language);
  const status = await sellFromChat(ctx, event, userId, { ...sale, hasPhoto: sale.photoId !== null }, language, {
    walletActivationText: t.saleWaitsForWallet,
    created: (paymentCode) => tiePhoto(ctx.knex, userId, sale.photoId, paymentCode),
  });
  if (status === 'created' || status === 'refused') await drafts(ctx.knex).where({ seller_id: userId }).delete();
  if (status === 'wallet_activation_required')
    await drafts(ctx.knex)
      .where({ seller_id: userId })
      .update({ currency, state: 'awaiting_wallet', updated_at: ctx.knex.fn.now() } as never);
  return 'done' as HandlerOutcome;
}

/** The currencies as quick replies; the menu is left out here, the choice is what matters now. */
function currencyChoice(prompt: string, language: Language): messagingApi.TextMessage {
  const t = MENU_TEXTS[language];
  return {
    ...text(prompt),
    quickReply: {
      items: CURRENCIES.map((c) => ({
        type: 'action' as const,
        action: {
          type: 'postback' as const,
          label: t.currencyLabel[c],
          data: encodeMenuPostback({ m: 'currency', c }),
          displayText: t.currencyLabel[c],
        },
      })),
    },
  };
}

async function answer(ctx: EventContext, event: InboxEvent, userId: string, messages: messagingApi.Message[], language: Language) {
  await ctx.responder.respond(event, userId, finish(messages, language), 'answer');
  return 'done' as HandlerOutcome;
}
