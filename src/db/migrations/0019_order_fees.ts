import type { Knex } from 'knex';

/**
 * The platform fee of a deal in the read model: what it will be (fixed at link creation, and who
 * pays it) and what was booked to the fee account at settlement (src/deal/fees.ts). Rows of
 * deals before fees read 0 and no payer.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.bigInteger('fee_minor').notNullable().defaultTo(0); // booked to the fee account at settlement
    t.bigInteger('quoted_fee_minor').notNullable().defaultTo(0); // shown before paying
    t.text('fee_payer'); // seller | buyer; null before fees
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('fee_payer');
    t.dropColumn('quoted_fee_minor');
    t.dropColumn('fee_minor');
  });
}
