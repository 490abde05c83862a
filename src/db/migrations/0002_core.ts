import type { Knex } from 'knex';

/**
 * The app-side tables: users and their wallets, payment links, the orders read model (lists
 * come from here because Temporal visibility is eventually consistent), phone bindings, OTP
 * challenges, the watch-list, and the chat outbox record.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.text('user_id').primary(); // platform identity (LINE user id)
    t.text('display_name');
    t.text('language').notNullable().defaultTo('zh-TW');
    t.boolean('is_friend').notNullable().defaultTo(false); // bound user of our official account (S102)
    t.bigInteger('friend_event_ms'); // timestamp of the follow/unfollow event that set is_friend
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('wallets', (t) => {
    t.text('user_id').primary().references('users.user_id');
    t.text('state').notNullable().defaultTo('inactive'); // inactive | active | locked | invalidated
    t.text('ledger_account_id');
    t.text('currency').notNullable().defaultTo('TWD');
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.integer('lockouts').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('activated_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('payment_links', (t) => {
    t.text('payment_code').primary();
    t.text('seller_id').notNullable().references('users.user_id');
    t.text('product_name').notNullable();
    t.bigInteger('unit_price_minor').notNullable();
    t.integer('quantity').notNullable();
    t.bigInteger('total_minor').notNullable();
    t.text('currency').notNullable();
    t.text('image_url');
    t.text('description');
    t.text('variant').notNullable(); // full | simple (S117/S118)
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['seller_id', 'created_at']);
  });

  await knex.schema.createTable('orders', (t) => {
    t.text('order_id').primary(); // = payment code
    t.text('workflow_id').notNullable().unique();
    t.text('seller_id').notNullable();
    t.text('buyer_id');
    t.text('state').notNullable();
    t.bigInteger('total_minor').notNullable();
    t.text('currency').notNullable();
    t.text('product_name').notNullable();
    t.text('charge_id');
    t.bigInteger('seller_paid_minor').notNullable().defaultTo(0);
    t.bigInteger('buyer_refunded_minor').notNullable().defaultTo(0);
    t.bigInteger('state_version').notNullable().defaultTo(0); // monotonic: late writes never regress
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['seller_id', 'created_at']);
    t.index(['buyer_id', 'created_at']);
    t.index(['state', 'updated_at']);
  });

  await knex.schema.createTable('phone_bindings', (t) => {
    t.bigIncrements('id');
    t.text('user_id').notNullable();
    t.text('phone_hash').notNullable(); // keyed hash for matching; the number itself is never stored in clear
    t.text('phone_ciphertext').notNullable();
    t.text('phone_masked').notNullable();
    t.boolean('is_virtual').notNullable().defaultTo(false);
    t.timestamp('bound_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('cleared_at', { useTz: true }); // support verified an abnormal binding
    t.index(['user_id', 'bound_at']);
  });

  await knex.schema.createTable('otp_challenges', (t) => {
    t.text('challenge_id').primary();
    t.text('order_id').notNullable();
    t.text('user_id').notNullable();
    t.text('code_hash').notNullable(); // HMAC of the code; the code itself is never stored
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('watchlist_entries', (t) => {
    t.bigIncrements('id');
    t.text('source').notNullable(); // fraud_reports | bank_credit | other
    t.text('source_ref').notNullable(); // the row's id in its source: re-import is idempotent
    t.text('key_type').notNullable(); // line_user_id | bank_account | atm_account | order_number | phone
    t.text('key_hash').notNullable(); // keyed hash of the normalised key value
    t.text('key_masked').notNullable();
    t.text('reason').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('removed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['source', 'source_ref']);
    t.index(['key_type', 'key_hash']);
  });

  await knex.schema.createTable('chat_deliveries', (t) => {
    t.text('retry_key').primary(); // one row per message the product sent: the send is idempotent
    t.text('to_user_id').notNullable();
    t.text('kind').notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['to_user_id', 'sent_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'chat_deliveries',
    'watchlist_entries',
    'otp_challenges',
    'phone_bindings',
    'orders',
    'payment_links',
    'wallets',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
