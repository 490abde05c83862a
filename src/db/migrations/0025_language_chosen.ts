import type { Knex } from 'knex';

/**
 * Whether the user chose their language in chat (issue 10). Until they do, LINE's profile
 * language is used and refreshed on each follow event; once they do, a later follow (after a
 * block and unblock) must not undo their choice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('language_chosen').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('language_chosen'));
}
