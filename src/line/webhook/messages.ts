import type { messagingApi } from '@line/bot-sdk';
import type { Language } from '../render';
import type { EventContext, EventHandler } from './context';
import type { InboxEvent } from './inbox';
import { parseIntent } from './intents';
import { languageOf } from './lookup';
import {
  cancelLink,
  finish,
  myDeals,
  notUnderstood,
  transactionCodeTyped,
  verificationCodeTyped,
  wallet,
  type Answer,
} from './menu-handlers';
import { MENU_TEXTS } from './menu-texts';
import { linkMenu } from './friendship';
import { text } from './respond';
import { addDescription, addPhoto, openDraft, openDraftOf } from './sale-drafts';
import { CHAT_TEXTS } from './texts';

/**
 * Everything a person sends our official account: texts are read for what they mean
 * (src/line/webhook/intents.ts) — sell, my deals, wallet, withdraw, help, the language, cancel,
 * and codes pasted by mistake; stickers, pictures and anything else get the short menu. Every
 * answer ends with the quick-reply menu, so nobody needs to know a command.
 */
export const handleMessage: EventHandler = async (ctx, event, userId) => {
  const message = (event.payload as { message?: { type?: string; text?: unknown; id?: unknown } }).message;
  const language = await languageOf(ctx.knex, ctx.line, userId);
  if (message?.type === 'image' && typeof message.id === 'string') return addPhoto(ctx, event, userId, message.id, language);
  if (message?.type !== 'text' || typeof message.text !== 'string') {
    const answer = notUnderstood(language, message?.type === 'sticker' ? 'sticker' : 'otherMedia');
    return answerWith(ctx, event, userId, answer, language);
  }
  const intent = parseIntent(message.text);
  const ask = { ctx, event, userId, language };
  switch (intent.kind) {
    case 'sell':
      return openDraft(ctx, event, userId, intent, language);
    case 'sell_invalid':
      return answerWith(ctx, event, userId, [text(CHAT_TEXTS[language].sellInvalid[intent.problem])], language);
    case 'help':
      return answerWith(ctx, event, userId, [text(CHAT_TEXTS[language].help)], language);
    case 'my_deals':
      return answerWith(ctx, event, userId, await myDeals(ask), language);
    case 'wallet':
      return answerWith(ctx, event, userId, await wallet(ask), language);
    case 'withdraw':
      return answerWith(ctx, event, userId, await wallet(ask, { withdrawing: true }), language);
    case 'language': {
      if (intent.to === undefined) return answerWith(ctx, event, userId, [languageChoice()], language);
      await ctx.knex('users').where({ user_id: userId }).update({ language: intent.to, language_chosen: true });
      await linkMenu(ctx, userId, intent.to);
      return answerWith(ctx, event, userId, [text(MENU_TEXTS[intent.to].languageSet)], intent.to);
    }
    case 'cancel':
      return answerWith(ctx, event, userId, await cancelLink(ask, intent.transactionCode), language);
    case 'verification_code':
      return answerWith(ctx, event, userId, await verificationCodeTyped(ask), language);
    case 'transaction_code':
      return answerWith(ctx, event, userId, await transactionCodeTyped(ask, intent.transactionCode), language);
    case 'unknown':
      // While a sale waits for its currency, a line of text is its description.
      if (await openDraftOf(ctx.knex, userId)) return addDescription(ctx, event, userId, message.text.trim(), language);
      return answerWith(ctx, event, userId, notUnderstood(language, 'notUnderstood'), language);
  }
};

export async function answerWith(ctx: EventContext, event: InboxEvent, userId: string, answer: Answer, language: Language) {
  await ctx.responder.respond(event, userId, finish(answer, language), 'answer');
  return 'done' as const;
}

function languageChoice(): messagingApi.TextMessage {
  const item = (label: string): messagingApi.QuickReplyItem => ({ type: 'action', action: { type: 'message', label, text: label } });
  return { ...text(MENU_TEXTS.en.chooseLanguage), quickReply: { items: [item('中文'), item('English')] } };
}
