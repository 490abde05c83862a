import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { matchWatchlist } from '../watchlist';
import { startWalletActivation } from '../wallet/activation';
import type { ChatPort } from '../chat/port';
import type { ProductSummary } from '../chat/messages';
import type { Settings } from '../config/settings';
import { orderWorkflowId, paymentCodeFromKey, randomCode, transactionCode } from '../domain/ids';
import type { Currency } from '../domain/money';
import { OrderStateAttribute, SellerIdAttribute } from '../temporal/search-attributes';
import type { FlowVariant, OrderInput } from '../../workflows/order-messages';
import { deriveDynamicPassword } from './dynamic-password';
import { feeFor } from '../deal/fees';

/**
 * S301–S306: a seller's fulfilment-transaction setup request becomes a payment link, once the
 * seller's e-wallet is enabled. The link row is written before the workflow starts (the
 * workflow reads it), and removed again if the start is refused.
 */
export interface ProductInfo {
  name: string;
  unitPriceMinor: number;
  quantity: number;
  currency: Currency;
  imageUrl?: string;
  description?: string;
  /** A photo from the chat is tied to this sale (product_photos): the deal's cards show it, watermarked. */
  hasPhoto?: boolean;
  variant: FlowVariant;
}

export type CreateLinkResult =
  | { status: 'created'; paymentCode: string; paymentUrl: string; dynamicPassword: string; transactionCode: string }
  | { status: 'wallet_activation_required'; activationUrl: string }
  | { status: 'refused'; reason: 'watch_listed' | 'wallet_invalidated' }
  /** The seller's Idempotency-Key already made a different link. */
  | { status: 'key_reused' };

export interface LinkDeps {
  knex: Knex;
  temporal: Client;
  chat: ChatPort;
  settings: Settings;
}

/**
 * With an idempotency key (the api's Idempotency-Key header, or the LINE webhook event that asked
 * for the sale) a retry - after a timeout, a crash, a redelivered event - finds the link the first
 * call made: the same payment code, the workflow started once, the card sent under the same
 * retry key. Without one, every call makes a new link.
 */
export async function createPaymentLink(
  deps: LinkDeps,
  sellerId: string,
  product: ProductInfo,
  idempotencyKey?: string,
): Promise<CreateLinkResult> {
  const { knex, settings } = deps;
  await knex('users').insert({ user_id: sellerId }).onConflict('user_id').ignore();
  if ((await matchWatchlist(knex, settings.secrets.hashSecret, { lineUserId: sellerId })).length > 0) {
    return { status: 'refused', reason: 'watch_listed' };
  }
  const wallet = await knex('wallets').where({ user_id: sellerId }).first();
  if (wallet?.state === 'invalidated') return { status: 'refused', reason: 'wallet_invalidated' };
  if (wallet?.state !== 'active') {
    await startWalletActivation(deps, sellerId, 'seller'); // S302 → S303
    return { status: 'wallet_activation_required', activationUrl: `${settings.publicBaseUrl}/pages/wallet?role=seller` };
  }

  // S305–S306
  const paymentCode = idempotencyKey ? paymentCodeFromKey(settings.secrets.hashSecret, sellerId, idempotencyKey) : randomCode();
  const totalMinor = product.unitPriceMinor * product.quantity;
  if (!Number.isSafeInteger(totalMinor)) throw new Error('total overflows');
  const summary: ProductSummary = {
    productName: product.name,
    unitPriceMinor: product.unitPriceMinor,
    quantity: product.quantity,
    totalMinor,
    currency: product.currency,
    imageUrl:
      product.imageUrl ??
      `${settings.publicBaseUrl}/media/watermark/${transactionCode(paymentCode)}.png?name=${encodeURIComponent(product.name.slice(0, 80))}`,
    ...(product.description ? { description: product.description } : {}),
    ...(product.hasPhoto ? { hasPhoto: true } : {}),
    transactionCode: transactionCode(paymentCode),
  };
  const dynamicPassword = deriveDynamicPassword(settings.secrets.linkSecret, {
    paymentCode,
    productName: product.name,
    unitPriceMinor: product.unitPriceMinor,
    quantity: product.quantity,
    currency: product.currency,
  });
  const workflowId = orderWorkflowId(paymentCode);
  const fee = feeFor(totalMinor, settings.fees[product.currency]);
  const link = {
    payment_code: paymentCode,
    seller_id: sellerId,
    product_name: product.name,
    unit_price_minor: product.unitPriceMinor,
    quantity: product.quantity,
    total_minor: totalMinor,
    currency: product.currency,
    image_url: product.imageUrl ?? null,
    description: product.description ?? null,
    variant: product.variant,
  };
  const inserted = await knex.transaction(async (trx) => {
    const rows = await trx('payment_links').insert(link).onConflict('payment_code').ignore().returning('payment_code');
    if (rows.length === 0) return false; // this key's link exists (only a derived code can collide)
    await trx('orders').insert({
      payment_code: paymentCode,
      workflow_id: workflowId,
      seller_id: sellerId,
      state: 'awaiting_buyer',
      total_minor: totalMinor,
      currency: product.currency,
      product_name: product.name,
      quoted_fee_minor: fee.feeMinor,
      fee_payer: fee.payer,
    });
    return true;
  });
  if (!inserted) {
    const existing = await knex('payment_links').where({ payment_code: paymentCode }).first();
    const same =
      existing !== undefined &&
      (Object.keys(link) as Array<keyof typeof link>).every((k) => String(existing[k] ?? '') === String(link[k] ?? ''));
    if (!same) return { status: 'key_reused' };
  }
  const input: OrderInput = {
    paymentCode: paymentCode,
    sellerId,
    product: summary,
    variant: product.variant,
    durations: settings.durations,
    maxPasswordFailures: settings.maxPasswordFailures,
    maxOtpAttempts: settings.maxOtpAttempts,
    maxOtpSends: settings.maxOtpSends,
    maxDecisionExtensions: settings.maxDecisionExtensions,
    publicBaseUrl: settings.publicBaseUrl,
    fee,
  };
  try {
    await deps.temporal.workflow.start('orderWorkflow', {
      taskQueue: settings.taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [input],
      typedSearchAttributes: [
        { key: OrderStateAttribute, value: 'awaiting_buyer' },
        { key: SellerIdAttribute, value: sellerId },
      ],
    });
  } catch (err) {
    // A retry of a call that got this far: the workflow runs already.
    if (!inserted && err instanceof WorkflowExecutionAlreadyStartedError) return sendLinkCard();
    if (!inserted) throw err; // the first call's rows stay: the next retry starts the workflow
    await knex.transaction(async (trx) => {
      await trx('orders').where({ payment_code: paymentCode }).delete();
      await trx('payment_links').where({ payment_code: paymentCode }).delete();
    });
    throw err;
  }
  return sendLinkCard();

  // S306: the card goes out under one retry key per link, so a retried call never says it twice.
  async function sendLinkCard(): Promise<CreateLinkResult> {
    const paymentUrl = `${settings.publicBaseUrl}/pages/pay/${paymentCode}`;
    await deps.chat.send({
      to: sellerId,
      retryKey: `${workflowId}:link-created`,
      message: { kind: 'link_created', paymentUrl, dynamicPassword, product: summary, fee },
    });
    return { status: 'created', paymentCode, paymentUrl, dynamicPassword, transactionCode: summary.transactionCode };
  }
}
