import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { sendAll } from '../../activities/messaging';
import type { DealMessage } from '../chat/messages';
import type { ChatPort } from '../chat/port';
import { orderWorkflowId, transactionCode } from '../domain/ids';

/**
 * Support writing to a party of a deal through LINE: a message of their own, or a request for
 * the party's side (their words and photos, which the chat then attaches to the deal). Each goes
 * through the chat port like the deal's own messages (recorded in chat_deliveries, sealed, so
 * the deal page shows it as the party saw it); the caller writes the audit entry.
 */
export type PartyRole = 'buyer' | 'seller';

export class NoSuchParty extends Error {}

export async function partyOf(knex: Knex, paymentCode: string, role: PartyRole): Promise<string> {
  const order = await knex('orders').where({ payment_code: paymentCode }).first('seller_id', 'buyer_id');
  const userId = role === 'buyer' ? order?.buyer_id : order?.seller_id;
  if (!userId) throw new NoSuchParty(`this deal has no ${role}`);
  return userId;
}

/** The key names the staff member's request (their Idempotency-Key), so a retried click sends once. */
function retryKey(paymentCode: string, staffId: string, key: string | undefined, kind: string, to: string): string {
  return `${orderWorkflowId(paymentCode)}:support:${staffId}:${key ?? randomUUID()}:${kind}:${to}`;
}

export async function messageParty(
  deps: { knex: Knex; chat: ChatPort },
  input: { paymentCode: string; role: PartyRole; text: string; staffId: string; idempotencyKey?: string },
): Promise<{ to: string }> {
  const to = await partyOf(deps.knex, input.paymentCode, input.role);
  const message: DealMessage = { kind: 'support_message', transactionCode: transactionCode(input.paymentCode), text: input.text };
  await sendAll(deps.knex, deps.chat, [
    { to, message, retryKey: retryKey(input.paymentCode, input.staffId, input.idempotencyKey, message.kind, to) },
  ]);
  return { to };
}

export async function askForEvidence(
  deps: { knex: Knex; chat: ChatPort },
  input: { paymentCode: string; role: PartyRole; note?: string; staffId: string; idempotencyKey?: string },
): Promise<{ to: string }> {
  const to = await partyOf(deps.knex, input.paymentCode, input.role);
  await deps.knex('evidence_requests').insert({ payment_code: input.paymentCode, user_id: to, requested_by: `support:${input.staffId}` });
  const message: DealMessage = {
    kind: 'evidence_request',
    transactionCode: transactionCode(input.paymentCode),
    role: input.role,
    reasons: false,
    ...(input.note ? { note: input.note } : {}),
  };
  await sendAll(deps.knex, deps.chat, [
    { to, message, retryKey: retryKey(input.paymentCode, input.staffId, input.idempotencyKey, message.kind, to) },
  ]);
  return { to };
}
