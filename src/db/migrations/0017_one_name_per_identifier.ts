import type { Knex } from 'knex';

/**
 * One name per identifier (issue 14). A deal's id is its **payment code** everywhere:
 * `orders.order_id` and `decision_intents.order_id` become `payment_code`. An OTP challenge is
 * for a payment code or a wallet (`wallet:<user>`): its column is the challenge's `subject`.
 * Expression indexes follow a renamed column by themselves.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => t.renameColumn('order_id', 'payment_code'));
  await knex.schema.alterTable('decision_intents', (t) => t.renameColumn('order_id', 'payment_code'));
  await knex.schema.alterTable('otp_challenges', (t) => t.renameColumn('order_id', 'subject'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('otp_challenges', (t) => t.renameColumn('subject', 'order_id'));
  await knex.schema.alterTable('decision_intents', (t) => t.renameColumn('payment_code', 'order_id'));
  await knex.schema.alterTable('orders', (t) => t.renameColumn('payment_code', 'order_id'));
}
