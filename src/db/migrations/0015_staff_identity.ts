import type { Knex } from 'knex';

/**
 * Staff identity through OpenID Connect (issue 11): the console's sessions, and the approvals a
 * held payout collects before it may leave (four eyes).
 *
 * A session row is what a signed-in browser's cookie points at: only a hash of the cookie's
 * random value is kept, so the table alone lets nobody in. It lives until the access token it
 * was made from expires; signing out deletes it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff_sessions', (t) => {
    t.text('session_hash').primary(); // base64url(SHA-256(cookie value))
    t.text('staff_id').notNullable(); // the token's sub
    t.text('name');
    t.jsonb('roles').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['expires_at']);
    t.index(['staff_id']);
  });
  // Staff ids of the agents who approved a held payout's release, in order.
  await knex.schema.alterTable('payouts', (t) => {
    t.jsonb('release_approvals').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payouts', (t) => t.dropColumn('release_approvals'));
  await knex.schema.dropTableIfExists('staff_sessions');
}
