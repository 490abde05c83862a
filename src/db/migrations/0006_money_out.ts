import type { Knex } from 'knex';

/**
 * Money out: verified bank accounts and the receiving identity codes that stand for them
 * (S601–S607, S701–S707), and the payouts read model (wallet → bank account). Account numbers
 * and holder names are stored only as field ciphertext; matching uses a keyed hash, people see
 * a mask.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bank_accounts', (t) => {
    t.bigIncrements('id');
    t.text('user_id').notNullable(); // platform identity that proved ownership
    t.text('bank_code').notNullable();
    t.text('account_ciphertext').notNullable(); // encryptField(account number)
    t.text('holder_name_ciphertext').notNullable(); // encryptField(holder name)
    t.text('account_hash').notNullable(); // keyedHash(bank code + account digits): the watch-list key
    t.text('account_masked').notNullable();
    t.text('verification_id').notNullable(); // the verification center's id for the proof
    t.timestamp('verified_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'account_hash']);
    t.index(['account_hash']);
  });

  await knex.schema.createTable('receiving_codes', (t) => {
    t.text('code').primary(); // unguessable; says nothing about the account
    t.text('user_id').notNullable();
    t.text('role').notNullable(); // buyer (S601–S607) | seller (S701–S707)
    t.bigInteger('bank_account_id').notNullable().references('bank_accounts.id');
    t.text('issue_key').notNullable().unique(); // workflow id + step: a retried issue returns the same code
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_by');
  });
  // At most one live code per party and role; issuing a new one revokes the old in the same transaction.
  await knex.raw('create unique index receiving_codes_one_active on receiving_codes (user_id, role) where revoked_at is null');

  await knex.schema.createTable('payouts', (t) => {
    t.text('payout_id').primary(); // also the workflow id's suffix, the ledger transfer ids' stem and the provider's idempotency key
    t.text('user_id').notNullable();
    t.text('request_fingerprint').notNullable(); // same Idempotency-Key with another body is refused
    t.bigInteger('amount_minor').notNullable();
    t.text('currency').notNullable();
    t.bigInteger('bank_account_id').references('bank_accounts.id');
    t.text('account_masked');
    t.text('state').notNullable(); // requested | held | sending | paid | failed | refused | rejected
    t.jsonb('hold_reasons');
    t.text('provider_payout_id');
    t.text('failure_reason');
    t.text('decided_by'); // the support agent who released or rejected a held payout
    t.bigInteger('state_version').notNullable().defaultTo(0); // monotonic: a late write never regresses
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['state', 'updated_at']);
    t.index(['user_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['payouts', 'receiving_codes', 'bank_accounts']) await knex.schema.dropTableIfExists(table);
}
