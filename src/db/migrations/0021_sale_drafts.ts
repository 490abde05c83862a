import type { Knex } from 'knex';

/**
 * A seller's first sale from the chat (issue 10). `sell <price> <qty> <name>` opens a draft; the
 * seller may add a photo (an image message) and a description line, then chooses the currency
 * with a quick reply. A seller without an active e-wallet keeps the draft while activating it,
 * and the link is created as soon as the wallet is active — nobody types `sell` twice.
 * One open draft per seller: a new `sell` replaces it.
 *
 * Photos are kept here (the LINE content API keeps them only for a while) and drawn, watermarked
 * with the transaction code, at /media/watermark/<TX>.png once the link exists.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('product_photos', (t) => {
    t.bigIncrements('id');
    t.text('seller_id').notNullable();
    t.text('content_type').notNullable();
    t.binary('bytes').notNullable();
    t.text('line_message_id').notNullable();
    t.text('transaction_code');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['line_message_id']);
    t.index(['transaction_code']);
  });
  await knex.schema.createTable('sale_drafts', (t) => {
    t.text('seller_id').primary();
    t.text('product_name').notNullable();
    t.bigInteger('unit_price').notNullable(); // as typed: whole units of the currency still to be chosen
    t.integer('quantity').notNullable();
    t.text('currency');
    t.text('description');
    t.bigInteger('photo_id').references('product_photos.id').onDelete('SET NULL');
    t.text('state').notNullable().defaultTo('choosing_currency');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `alter table sale_drafts add constraint sale_drafts_state_check check (state in ('choosing_currency', 'awaiting_wallet'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sale_drafts');
  await knex.schema.dropTable('product_photos');
}
