import type { Knex } from 'knex';

/**
 * Issue 9 (deal): limits count every currency in the policy's (converted at reference rates when
 * recorded), and a deal a person must look at says so in the orders read model.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('limit_events', (t) => {
    t.bigInteger('policy_amount_minor').notNullable().defaultTo(0); // the amount in the limit policy's currency, rounded up
  });
  // Before this, only the policy currency (TWD by default) counted toward amounts.
  await knex.raw("update limit_events set policy_amount_minor = amount_minor where currency = 'TWD'");
  await knex.schema.alterTable('orders', (t) => {
    t.text('park_reason'); // set while the deal is parked: settlement_refused | amount_mismatch | charge_result_missing
    t.text('park_detail');
    t.index(['park_reason']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['park_reason']);
    t.dropColumn('park_detail');
    t.dropColumn('park_reason');
  });
  await knex.schema.alterTable('limit_events', (t) => {
    t.dropColumn('policy_amount_minor');
  });
}
