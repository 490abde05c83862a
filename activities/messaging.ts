import type { Knex } from 'knex';
import type { Outgoing } from '../src/chat/messages';
import type { ChatPort } from '../src/chat/port';

/**
 * Sends through the chat port and records each delivery once. The port de-duplicates by retry
 * key (LINE's X-Line-Retry-Key), so a retried activity never says anything twice.
 */
export async function sendAll(knex: Knex, chat: ChatPort, messages: Outgoing[]): Promise<void> {
  for (const outgoing of messages) {
    await chat.send(outgoing);
    await knex('chat_deliveries')
      .insert({ retry_key: outgoing.retryKey, to_user_id: outgoing.to, kind: outgoing.message.kind })
      .onConflict('retry_key')
      .ignore();
  }
}
