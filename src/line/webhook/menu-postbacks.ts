import type { EventContext, HandlerOutcome } from './context';
import type { InboxEvent } from './inbox';
import { languageOf } from './lookup';
import { cancelLink, withdraw } from './menu-handlers';
import type { MenuPostback } from './menu-postback';
import { answerWith } from './messages';
import { chooseCurrency } from './sale-drafts';

/** The chat menu's own buttons: withdraw, cancel a link, the sale's currency. */
export async function handleMenuPostback(
  ctx: EventContext,
  event: InboxEvent,
  userId: string,
  postback: MenuPostback,
): Promise<HandlerOutcome> {
  const language = await languageOf(ctx.knex, ctx.line, userId);
  const ask = { ctx, event, userId, language };
  switch (postback.m) {
    case 'withdraw':
      return answerWith(ctx, event, userId, await withdraw(ask, postback.c, postback.a), language);
    case 'cancel':
      return answerWith(ctx, event, userId, await cancelLink(ask, postback.tx), language);
    case 'currency':
      return chooseCurrency(ctx, event, userId, postback.c, language);
  }
}
