import type { Knex } from 'knex';
import { ChatRefused } from '../src/chat/errors';
import type { Outgoing } from '../src/chat/messages';
import type { ChatPort } from '../src/chat/port';
import { encryptField, fieldKeyRingFromEnv } from '../src/crypto';

/**
 * Sends through the chat port and records each delivery once. A key already recorded is not
 * sent again, and the port de-duplicates by retry key (LINE's X-Line-Retry-Key) what was sent
 * but not yet recorded, so a retried activity never says anything twice. A message the
 * platform refuses for good (ChatRefused) is recorded as undeliverable, with the reason, and the
 * rest are still sent: retrying it would hold the deal's step (its money, its other messages)
 * for ever, and the row tells support whom the deal could not reach.
 */
export async function sendAll(knex: Knex, chat: ChatPort, messages: Outgoing[]): Promise<void> {
  for (const outgoing of messages) {
    // A step re-run by a lost workflow task may render this message with another body (a time
    // that moved on); LINE's key names the body, so LINE would take it as new. What was recorded
    // under the step's key was said: it is not said again.
    // (One LINE refused is tried again: the user may have added us since.)
    if (await knex('chat_deliveries').where({ retry_key: outgoing.retryKey, status: 'delivered' }).first('retry_key')) continue;
    let refusal: ChatRefused | undefined;
    try {
      await chat.send(outgoing);
    } catch (err) {
      if (!(err instanceof ChatRefused)) throw err;
      refusal = err;
    }
    await knex('chat_deliveries')
      .insert({
        retry_key: outgoing.retryKey,
        to_user_id: outgoing.to,
        kind: outgoing.message.kind,
        status: refusal ? 'undeliverable' : 'delivered',
        error: refusal?.message ?? null,
        // Kept for the support console's deal page (rendered again as the party saw it); sealed, as it may hold codes.
        message_ciphertext: encryptField(fieldRing(), JSON.stringify(outgoing.message)),
      })
      .onConflict('retry_key')
      // An earlier refusal that went through this time is recorded as delivered.
      .merge(['status', 'error', 'message_ciphertext'])
      .where('chat_deliveries.status', 'undeliverable');
  }
}

let ring: ReturnType<typeof fieldKeyRingFromEnv> | undefined;
function fieldRing(): ReturnType<typeof fieldKeyRingFromEnv> {
  ring ??= fieldKeyRingFromEnv(process.env);
  return ring;
}
