import type { Knex } from 'knex';

/**
 * The first body sent to the payment provider under each checkout idempotency key (see
 * src/payment/checkout-journal.ts). A checkout step re-run by a lost workflow task sends this body
 * again, so the provider answers with the session it already made instead of refusing the key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('checkout_requests', (t) => {
    t.text('idempotency_key').primary();
    t.text('payment_code').notNullable().index();
    t.jsonb('request').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('checkout_requests');
}
