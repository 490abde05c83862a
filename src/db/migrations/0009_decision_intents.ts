import type { Knex } from 'knex';

/**
 * A buyer's decision (S204) as it reached us, written before it is relayed to the order's
 * workflow: when Temporal is unreachable the decision still exists, and the decision window's end
 * honours one taken in time (issue 9, finding 8).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('decision_intents', (t) => {
    t.text('source_id').primary(); // the webhook event or api request it came from: recording is idempotent
    t.text('order_id').notNullable();
    t.text('buyer_id').notNullable();
    t.text('decision').notNullable(); // agree | dispute
    t.text('reason');
    t.timestamp('decided_at', { useTz: true }).notNullable(); // when the buyer took it (LINE's event time, or our receipt)
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id', 'decided_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('decision_intents');
}
