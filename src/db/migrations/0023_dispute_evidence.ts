import type { Knex } from 'knex';

/**
 * Disputes with the parties (issue 11): what each party said and the photos they sent in the
 * chat, attached to the deal; the requests support staff made for them; and, for the console's
 * deal page, each message a party received as it was sent (sealed: payment info and codes are
 * in there), so staff can read it as the party saw it.
 *
 * Evidence text and image bytes are sealed with FIELD_KEYS (src/crypto encryptField); the LINE
 * message id is kept as the reference the content came from, and makes a re-processed webhook
 * event attach nothing twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dispute_evidence', (t) => {
    t.bigIncrements('id');
    t.text('payment_code').notNullable();
    t.text('user_id').notNullable(); // the party who sent it
    t.text('role').notNullable(); // buyer | seller
    t.text('kind').notNullable(); // text | image
    t.text('text_ciphertext'); // what they wrote or the quick reply they tapped
    t.text('content_ciphertext'); // image bytes (base64), sealed
    t.text('content_type');
    t.integer('content_bytes');
    t.text('source_ref').notNullable().unique(); // line:<message id>: one attachment per chat message
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['payment_code', 'created_at']);
  });
  await knex.raw("alter table dispute_evidence add constraint dispute_evidence_kind check (kind in ('text', 'image'))");
  await knex.raw("alter table dispute_evidence add constraint dispute_evidence_role check (role in ('buyer', 'seller'))");

  // Support asked a party for their side: the chat attaches what they send until the deal settles.
  await knex.schema.createTable('evidence_requests', (t) => {
    t.bigIncrements('id');
    t.text('payment_code').notNullable();
    t.text('user_id').notNullable();
    t.text('requested_by').notNullable(); // support:<staff id>
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.alterTable('chat_deliveries', (t) => {
    t.text('message_ciphertext'); // the deal message (meaning, not layout), sealed; rendered again for staff
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('chat_deliveries', (t) => t.dropColumn('message_ciphertext'));
  await knex.schema.dropTableIfExists('evidence_requests');
  await knex.schema.dropTableIfExists('dispute_evidence');
}
