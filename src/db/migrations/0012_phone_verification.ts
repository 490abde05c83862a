import type { Knex } from 'knex';

/**
 * Phone ownership is proved by a code sent by SMS (S404–S405). A verification holds the number
 * it is for (ciphertext until it ends, then cleared; keyed hash and mask stay for the caps and
 * for people) and only a keyed hash of the code. At most one is pending per user.
 */
const PHONE_VERIFICATION_STATES = ['pending', 'verified', 'locked', 'superseded', 'send_failed'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('phone_verifications', (t) => {
    t.text('verification_id').primary();
    t.text('user_id').notNullable();
    t.text('phone_hash').notNullable(); // keyedHash(E.164), as phone_bindings and the watch-list
    t.text('phone_ciphertext'); // encryptField(E.164) while pending; null once it ended
    t.text('phone_masked').notNullable();
    t.text('code_hash').notNullable(); // keyed hash of verification id + code; never the code
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.text('state').notNullable();
    t.text('provider_message_id');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.index(['user_id', 'created_at']);
    t.index(['phone_hash', 'created_at']);
  });
  await knex.raw(`alter table phone_verifications add constraint phone_verifications_state_check
    check (state in (${PHONE_VERIFICATION_STATES.map((s) => `'${s}'`).join(', ')}))`);
  await knex.raw(`create unique index phone_verifications_one_pending on phone_verifications (user_id) where state = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('phone_verifications');
}
