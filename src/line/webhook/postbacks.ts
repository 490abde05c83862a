import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { orderWorkflowId } from '../../domain/ids';
import { recordDecisionIntent } from '../../deal/decision-intents';
import { decideUpdate, resendOtpUpdate } from '../../../workflows/order-messages';
import { decodePostback, type DealPostback } from '../render';
import type { EventContext, EventHandler } from './context';
import { languageOf, ordersByTransactionCode, pickOrderFor, type OrderRef } from './lookup';
import { text } from './respond';
import { CHAT_TEXTS } from './texts';
import type { InboxEvent } from './inbox';
import { decodeMenuPostback } from './menu-postback';
import { handleMenuPostback } from './menu-postbacks';

/**
 * Postback buttons of the deal's cards (S204 agree/dispute, pay now, resend OTP). The data says
 * only what was tapped; who may act is the order's business, checked here and again by the
 * workflow's validators. The update id is the webhook event id, so however often the event is
 * processed, Temporal runs the step once.
 */
export const CHAT_DISPUTE_REASON = 'disputed in chat';

export const handlePostback: EventHandler = async (ctx, event, userId) => {
  const data = (event.payload as { postback?: { data?: unknown } }).postback?.data;
  const menu = decodeMenuPostback(data);
  if (menu) return handleMenuPostback(ctx, event, userId, menu);
  const postback = decodePostback(data);
  if (!postback) {
    ctx.log(`line inbox: ${event.webhookEventId}: postback data we did not produce; ignored`);
    return 'ignored';
  }
  const texts = CHAT_TEXTS[await languageOf(ctx.knex, ctx.line, userId)];
  const say = (value: string) => ctx.responder.respond(event, userId, [text(value)], postback.action);
  const order = pickOrderFor(userId, await ordersByTransactionCode(ctx.knex, postback.transactionCode));
  if (!order) return say(texts.orderNotFound).then(() => 'done');
  if (postback.action === 'pay_now')
    return say(texts.payHere(`${ctx.settings.publicBaseUrl}/pages/pay/${order.paymentCode}`)).then(() => 'done');
  if (order.buyerId !== userId) return say(texts.notYourOrder).then(() => 'done');
  const refusal = await runUpdate(ctx, event, order, postback, userId);
  // Success needs no answer: the workflow itself tells both parties what happened next.
  if (refusal !== undefined) await say(texts.refused(refusal));
  return 'done';
};

/** The workflow's refusal message, or undefined when the step was taken. Transport faults throw (retried). */
async function runUpdate(
  ctx: EventContext,
  event: InboxEvent,
  order: OrderRef,
  postback: DealPostback,
  buyerId: string,
): Promise<string | undefined> {
  const handle = ctx.temporal.workflow.getHandle(orderWorkflowId(order.paymentCode));
  const updateId = `line:${event.webhookEventId}`;
  try {
    if (postback.action === 'resend_otp') {
      await handle.executeUpdate(resendOtpUpdate, { args: [{ buyerId }], updateId });
    } else {
      const decision = postback.action === 'agree' ? 'agree' : 'dispute';
      const reason = decision === 'dispute' ? CHAT_DISPUTE_REASON : undefined;
      // Kept first: if Temporal is down until after the window closes, the decision still counts.
      await recordDecisionIntent(ctx.knex, {
        sourceId: updateId,
        paymentCode: order.paymentCode,
        buyerId,
        decision,
        reason,
        decidedAt: new Date(event.timestampMs),
      });
      await handle.executeUpdate(decideUpdate, { args: [{ buyerId, decision, ...(reason ? { reason } : {}) }], updateId });
    }
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.message;
    if (err instanceof WorkflowNotFoundError) return 'this transaction has ended';
    throw err;
  }
}
