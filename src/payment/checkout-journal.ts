import type { Knex } from 'knex';
import { checkoutIdempotencyKey, checkoutSessionInput, openOrderCheckout, type OrderCheckout, type OrderCheckoutInput } from './checkout';
import type { CheckoutSessionInput } from './contract';
import type { PaymentProvider } from './client';

/**
 * Opens the order's checkout with the first body ever sent under its key. The workflow computes
 * the session's expiry from its clock; a workflow task lost after the provider accepted the step
 * (its worker killed) runs the step again a workflow-task timeout later, on a later clock. Sent as
 * computed, that body would be refused under the same key, and a second session — another ATM
 * account and deadline — would reach the buyer as a second payment info. The body is journalled
 * before the provider sees it, so every run of one step sends the same request and gets the same
 * session.
 */
export async function openJournaledCheckout(knex: Knex, provider: PaymentProvider, input: OrderCheckoutInput): Promise<OrderCheckout> {
  const key = checkoutIdempotencyKey(input.paymentCode, input.attempt);
  await knex('checkout_requests')
    .insert({ idempotency_key: key, payment_code: input.paymentCode, request: JSON.stringify(checkoutSessionInput(input)) })
    .onConflict('idempotency_key')
    .ignore();
  const row = await knex('checkout_requests').where({ idempotency_key: key }).first('request');
  if (!row) throw new Error(`checkout request ${key} was journalled but cannot be read back`);
  return openOrderCheckout(provider, input, row.request as CheckoutSessionInput);
}
