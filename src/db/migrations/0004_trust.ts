import type { Knex } from 'knex';

/**
 * Trust tables: the hash-chained audit log (append-only by trigger), the events velocity
 * limits count, and account tiers for monthly caps. The watch-list table is 0002's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('seq');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor').notNullable(); // who: a user id, `support:<id>`, `system:<component>`
    t.text('action').notNullable(); // what: `order.released`, `watchlist.entry_removed`, ...
    t.text('subject').notNullable(); // which: an order id, a watch-list entry id, ...
    t.jsonb('details').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable().unique();
    t.index(['subject', 'seq']);
  });
  // Append-only: ordinary roles cannot change history. A superuser can disable the trigger, which
  // is why verifyAuditChain recomputes every hash rather than trusting the table.
  await knex.raw(`
    create function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$;
    create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_refuse_change();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_refuse_change();
  `);

  await knex.schema.createTable('limit_events', (t) => {
    t.text('event_id').primary(); // recording is idempotent by this id (e.g. the order id)
    t.text('buyer_id').notNullable();
    t.text('seller_id').notNullable();
    t.text('phone_hash'); // keyed hash of the buyer's bound phone, when known
    t.bigInteger('amount_minor').notNullable();
    t.text('currency').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['buyer_id', 'at']);
    t.index(['seller_id', 'at']);
    t.index(['phone_hash', 'at']);
  });

  await knex.schema.createTable('account_tiers', (t) => {
    t.text('user_id').primary(); // no row = the default tier
    t.text('tier').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_tiers');
  await knex.schema.dropTableIfExists('limit_events');
  await knex.schema.dropTableIfExists('audit_log');
  await knex.raw('drop function if exists audit_log_refuse_change()');
}
