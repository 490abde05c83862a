import type { messagingApi } from '@line/bot-sdk';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { orderWorkflowId, transactionCode } from '../../domain/ids';
import { formatMoney, type Currency } from '../../domain/money';
import { walletStatement } from '../../wallet/statement';
import { requestWithdrawal } from '../../wallet/withdraw';
import { cancelLinkUpdate } from '../../../workflows/order-messages';
import { cardMessage, type CardButton } from '../render/card';
import type { Language } from '../render';
import type { EventContext } from './context';
import type { InboxEvent } from './inbox';
import { ordersByTransactionCode, pickOrderFor } from './lookup';
import { pageUrl, withMenu } from './menu';
import { encodeMenuPostback } from './menu-postback';
import { MENU_TEXTS, stateText, type MenuTexts } from './menu-texts';
import { text } from './respond';

/**
 * The chat's answers to my deals, wallet, withdraw, cancel, a verification code or a
 * transaction code typed into the chat. Each returns the messages to send; the caller answers
 * the event with them (reply token or keyed push), the menu attached to the last.
 */
export type Answer = messagingApi.Message[];

interface Ask {
  ctx: EventContext;
  event: InboxEvent;
  userId: string;
  language: Language;
}

/** Deals shown in the chat; the page lists more. */
export const CHAT_DEALS_MAX = 5;
/** States in which the seller may still withdraw the link (the workflow checks again). */
const CANCELLABLE = ['awaiting_buyer', 'awaiting_payment'];

const uri = (label: string, target: string): CardButton => ({ kind: 'uri', label, uri: target });

export async function myDeals({ ctx, userId, language }: Ask): Promise<Answer> {
  const t = MENU_TEXTS[language];
  const rows = await ctx
    .knex('orders')
    .where((q) => q.where({ seller_id: userId }).orWhere({ buyer_id: userId }))
    .orderBy('created_at', 'desc')
    .limit(CHAT_DEALS_MAX + 1)
    .select('payment_code', 'state', 'total_minor', 'currency', 'product_name');
  const list = pageUrl(ctx.settings, '/pages/deals', language);
  if (rows.length === 0) return [text(t.myDealsNone)];
  const lines = rows
    .slice(0, CHAT_DEALS_MAX)
    .map((r) =>
      t.dealLine(
        transactionCode(r.payment_code),
        r.product_name,
        formatMoney(Number(r.total_minor), r.currency as Currency),
        stateText(t, r.state),
      ),
    );
  if (rows.length > CHAT_DEALS_MAX) lines.push(t.myDealsMore(rows.length - CHAT_DEALS_MAX));
  return [cardMessage({ tone: 'info', title: t.myDealsTitle, paragraphs: lines, buttons: [uri(t.openMyDeals, list)] })];
}

export async function wallet({ ctx, userId, language }: Ask, options: { withdrawing?: boolean } = {}): Promise<Answer> {
  const t = MENU_TEXTS[language];
  const statement = await walletStatement(ctx.knex, userId, { movementsMax: 0 });
  const walletPage = pageUrl(ctx.settings, '/pages/wallet', language);
  if (statement.state !== 'active' && statement.balances.length === 0) return [text(t.walletInactive)];
  const balances = statement.balances.filter((b) => b.availableMinor > 0 || b.heldMinor > 0 || b.withdrawingMinor > 0);
  const lines =
    balances.length === 0
      ? [t.walletEmpty]
      : balances.map((b) =>
          t.walletLine(
            b.currency,
            formatMoney(b.availableMinor, b.currency),
            formatMoney(b.heldMinor, b.currency),
            formatMoney(b.withdrawingMinor, b.currency),
          ),
        );
  const withdrawable = statement.balances.filter((b) => b.availableMinor > 0);
  const buttons: CardButton[] = [uri(t.openWallet, walletPage)];
  if (options.withdrawing && withdrawable.length === 0) lines.push(t.withdrawNothing);
  if (options.withdrawing && withdrawable.length > 0 && !(await hasBankAccount(ctx, userId))) {
    lines.push(t.withdrawNeedsBank);
    buttons.unshift(uri(t.registerBank, pageUrl(ctx.settings, '/pages/bank?role=seller&next=/pages/wallet', language)));
  } else {
    // One tap each: withdraw everything available in that currency (the page takes other amounts).
    for (const b of withdrawable.slice(0, 3)) {
      const amount = formatMoney(b.availableMinor, b.currency);
      buttons.unshift({
        kind: 'postback',
        label: t.withdrawButton(amount),
        displayText: t.withdrawButton(amount),
        data: encodeMenuPostback({ m: 'withdraw', c: b.currency, a: b.availableMinor }),
      });
    }
  }
  return [cardMessage({ tone: 'info', title: t.walletTitle, paragraphs: lines, buttons })];
}

async function hasBankAccount(ctx: EventContext, userId: string): Promise<boolean> {
  const row = await ctx.knex('receiving_codes').where({ user_id: userId }).whereNull('revoked_at').first('code');
  return row !== undefined;
}

/** A withdraw button tapped: the payout starts (its result is pushed by the payout workflow). */
export async function withdraw(ask: Ask, currency: Currency, amountMinor: number): Promise<Answer> {
  const t = MENU_TEXTS[ask.language];
  const result = await requestWithdrawal(ask.ctx, {
    userId: ask.userId,
    idempotencyKey: `line:${ask.event.webhookEventId}`,
    amountMinor,
    currency,
  });
  const amount = formatMoney(amountMinor, currency);
  if (result.ok) return [text(t.withdrawStarted(amount))];
  if (result.reason === 'bank_account_required') return wallet(ask, { withdrawing: true });
  if (result.reason === 'insufficient_funds')
    return [text(t.withdrawRefused(t.walletLine(currency, formatMoney(result.availableMinor, currency), '-', '-')))];
  return [text(t.withdrawRefused(result.reason))];
}

/** A 6-digit code typed into the chat: say where it goes, with the page that asked for it. */
export async function verificationCodeTyped({ ctx, userId, language }: Ask): Promise<Answer> {
  const t = MENU_TEXTS[language];
  const awaitingOtp = await ctx
    .knex('orders')
    .where({ buyer_id: userId, state: 'awaiting_otp' })
    .orderBy('updated_at', 'desc')
    .first('payment_code');
  const card = (where: string, label: string, path: string) =>
    cardMessage({
      tone: 'warning',
      title: t.verificationCodeTyped,
      paragraphs: [where],
      buttons: [uri(label, pageUrl(ctx.settings, path, language))],
    });
  if (awaitingOtp) return [card(t.verificationCodeWhere.payment, t.openPayment, `/pages/pay/${awaitingOtp.payment_code}`)];
  const walletChallenge = await ctx
    .knex('otp_challenges')
    .where({ subject: `wallet:${userId}` })
    .whereNull('consumed_at')
    .where('expires_at', '>', new Date())
    .first('challenge_id');
  if (walletChallenge) return [card(t.verificationCodeWhere.wallet, t.openWallet, '/pages/wallet')];
  const phone = await ctx.knex('phone_verifications').where({ user_id: userId, state: 'pending' }).first('verification_id');
  if (phone) return [card(t.verificationCodeWhere.phone, t.openPhone, '/pages/phone')];
  return [text(`${t.verificationCodeTyped}\n${t.verificationCodeWhere.nowhere}`)];
}

/** TX-XXXX-XXXX typed: the user's deal with that code, its state and its page. */
export async function transactionCodeTyped({ ctx, userId, language }: Ask, code: string): Promise<Answer> {
  const t = MENU_TEXTS[language];
  const order = pickOrderFor(userId, await ordersByTransactionCode(ctx.knex, code));
  if (!order || (order.sellerId !== userId && order.buyerId !== userId)) return [text(t.transactionNotFound(code))];
  const row = await ctx.knex('orders').where({ payment_code: order.paymentCode }).first('state', 'product_name');
  const role = order.sellerId === userId ? t.role.seller : t.role.buyer;
  return [
    cardMessage({
      tone: 'info',
      title: t.transactionFound(code, stateText(t, row?.state ?? ''), role),
      paragraphs: row ? [row.product_name] : [],
      buttons: [uri(t.openDeal, pageUrl(ctx.settings, `/pages/pay/${order.paymentCode}`, language))],
    }),
  ];
}

/** `cancel [TX-…]`: cancel that link, or offer the seller's cancellable links as buttons. */
export async function cancelLink(ask: Ask, code: string | undefined): Promise<Answer> {
  const { ctx, userId, language, event } = ask;
  const t = MENU_TEXTS[language];
  if (code === undefined) {
    const open = await ctx
      .knex('orders')
      .where({ seller_id: userId })
      .whereIn('state', CANCELLABLE)
      .orderBy('created_at', 'desc')
      .limit(4)
      .select('payment_code', 'product_name');
    if (open.length === 0) return [text(t.cancelNothing)];
    return [
      cardMessage({
        tone: 'warning',
        title: t.cancelChoose,
        paragraphs: open.map((o) => `${transactionCode(o.payment_code)} · ${o.product_name}`),
        buttons: open.map((o) => {
          const tx = transactionCode(o.payment_code);
          return {
            kind: 'postback',
            label: t.cancelButton(tx),
            displayText: t.cancelButton(tx),
            data: encodeMenuPostback({ m: 'cancel', tx }),
          };
        }),
      }),
    ];
  }
  const order = (await ordersByTransactionCode(ctx.knex, code)).find((o) => o.sellerId === userId);
  if (!order) return [text(t.transactionNotFound(code))];
  try {
    await ctx.temporal.workflow
      .getHandle(orderWorkflowId(order.paymentCode))
      .executeUpdate(cancelLinkUpdate, { args: [{ sellerId: userId }], updateId: `line:${event.webhookEventId}` });
    return [text(t.cancelled(code))];
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) return [text(t.cancelRefused(code))];
    throw err;
  }
}

/** The menu's prompt for anything we could not use: a sticker, a picture, a file, unknown words. */
export function notUnderstood(language: Language, what: keyof Pick<MenuTexts, 'notUnderstood' | 'sticker' | 'otherMedia'>): Answer {
  return [text(MENU_TEXTS[language][what])];
}

/** Attaches the quick-reply menu to the last message of an answer. */
export function finish(answer: Answer, language: Language): Answer {
  const last = answer[answer.length - 1];
  if (last === undefined || last.quickReply !== undefined) return answer; // an answer with its own choices keeps them
  return [...answer.slice(0, -1), withMenu(last, language)];
}
