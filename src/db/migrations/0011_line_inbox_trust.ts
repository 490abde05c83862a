import type { Knex } from 'knex';

/**
 * The LINE inbox outlives outages of our own parts and forgets chat text:
 * - failed_attempts counts only failures of the event itself (bad data, a bug, a refusal);
 *   transport failures are retried until the event is older than the retry horizon, measured
 *   from retry_from (a re-drive) or received_at;
 * - processed rows lose the text of the message (redacted at completion) and are deleted after
 *   the retention period (index on processed_at); gave_up rows are listed for operators.
 * Chat deliveries record whether LINE took the message or refused it for good.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('line_inbox', (t) => {
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('retry_from', { useTz: true });
    t.text('last_failure_kind'); // transport | event
  });
  await knex.raw('create index line_inbox_processed_at on line_inbox (processed_at) where processed_at is not null');
  await knex.raw("create index line_inbox_gave_up on line_inbox (processed_at) where outcome = 'gave_up'");
  // Rows processed before this migration kept their text; forget it now (the message keeps its
  // id and type, the reply token goes). From here on completeEvent redacts (src/line/webhook/redact.ts).
  await knex.raw(`update line_inbox
      set payload = case when jsonb_exists(payload, 'message')
        then jsonb_set(payload - 'replyToken', '{message}', jsonb_build_object('id', payload #> '{message,id}', 'type', payload #> '{message,type}'))
        else payload - 'replyToken' end
    where processed_at is not null and outcome in ('done', 'ignored')`);

  await knex.schema.alterTable('chat_deliveries', (t) => {
    t.text('status').notNullable().defaultTo('delivered');
    t.text('error');
  });
  await knex.raw("alter table chat_deliveries add constraint chat_deliveries_status check (status in ('delivered', 'undeliverable'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table chat_deliveries drop constraint if exists chat_deliveries_status');
  await knex.schema.alterTable('chat_deliveries', (t) => {
    t.dropColumn('error');
    t.dropColumn('status');
  });
  await knex.raw('drop index if exists line_inbox_gave_up');
  await knex.raw('drop index if exists line_inbox_processed_at');
  await knex.schema.alterTable('line_inbox', (t) => {
    t.dropColumn('last_failure_kind');
    t.dropColumn('retry_from');
    t.dropColumn('failed_attempts');
  });
}
