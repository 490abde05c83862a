import type { Knex } from 'knex';

/**
 * The rich menus `npm run rich-menu` created on LINE, one per language: the zh-TW one is every
 * user's default, and a user is linked to the menu of their language when they add us or switch
 * language in the chat. Replaced menus are deleted on LINE and here.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rich_menus', (t) => {
    t.text('language').primary();
    t.text('rich_menu_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rich_menus');
}
