import type { Knex } from 'knex';

/**
 * The LINE webhook inbox: every event LINE delivers is stored once (keyed by webhookEventId)
 * before it is acknowledged, then processed asynchronously in timestamp order per user. A
 * redelivered or duplicated event hits the primary key and is dropped.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('line_inbox', (t) => {
    t.text('webhook_event_id').primary();
    // The ordering key: the user for 1:1 chats, the group or room otherwise.
    t.text('user_id').notNullable();
    t.text('event_type').notNullable();
    t.bigInteger('timestamp_ms').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    // Retries wait until then (backoff); a claim sets lease_until so a crashed processor's work
    // comes back after the lease instead of being lost.
    t.timestamp('available_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('outcome'); // done | ignored | gave_up
    // What a non-idempotent step already did (e.g. the payment link a `sell` command created),
    // so a retry after a crash does not do it twice.
    t.jsonb('effect');
  });
  // The processor's hot path: the oldest pending event of each user.
  await knex.raw(
    'create index line_inbox_pending_by_user on line_inbox (user_id, timestamp_ms, webhook_event_id) where processed_at is null',
  );
  await knex.raw('create index line_inbox_pending_by_time on line_inbox (timestamp_ms) where processed_at is null');
  // Postbacks name an order by its transaction code TX-XXXX-YYYY (the first 8 characters of the
  // payment code); this index finds it without a new column the link writer must fill.
  await knex.raw("create index orders_transaction_code on orders (('TX-' || substr(order_id, 1, 4) || '-' || substr(order_id, 5, 4)))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists orders_transaction_code');
  await knex.schema.dropTableIfExists('line_inbox');
}
