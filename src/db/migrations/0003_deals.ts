import type { Knex } from 'knex';

/** What support needs to see of a dispute, next to the order it belongs to. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.text('dispute_reason');
  });
  // One OTP check per key: a re-run of the same check answers the same, and never counts twice.
  await knex.schema.alterTable('otp_challenges', (t) => {
    t.text('last_check_key');
    t.jsonb('last_check_result');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('otp_challenges', (t) => {
    t.dropColumn('last_check_key');
    t.dropColumn('last_check_result');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('dispute_reason');
  });
}
