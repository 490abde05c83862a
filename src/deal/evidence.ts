import type { Knex } from 'knex';
import { appendAudit } from '../audit';
import { decryptField, encryptField, type KeyRing } from '../crypto';

/**
 * A dispute's evidence: what each party wrote and the photos they sent, attached to the deal.
 * Text and bytes are sealed with the field keys; only staff with a reason read them (each view
 * is audited by the console's routes). The source reference makes attaching idempotent.
 */
export const EVIDENCE_TEXT_MAX_CHARS = 1000;
/** Deal states in which a party's words or photos still matter to a person deciding. */
export const EVIDENCE_OPEN_STATES = ['disputed', 'parked', 'escrow', 'settling'] as const;

export type EvidenceRole = 'buyer' | 'seller';

export interface EvidenceTarget {
  paymentCode: string;
  role: EvidenceRole;
}

/**
 * The deal whose dispute waits for this user's words or photos: a disputed deal they bought, or
 * any open deal on which support asked them (evidence_requests). The most recent one wins.
 */
export async function evidenceTargetFor(knex: Knex, userId: string): Promise<EvidenceTarget | undefined> {
  const disputed = await knex('orders')
    .where({ buyer_id: userId, state: 'disputed' })
    .orderBy('updated_at', 'desc')
    .first('payment_code', 'updated_at');
  const asked = await knex('evidence_requests as r')
    .join('orders as o', 'o.payment_code', 'r.payment_code')
    .where('r.user_id', userId)
    .whereIn('o.state', EVIDENCE_OPEN_STATES as unknown as string[])
    .orderBy('r.created_at', 'desc')
    .first('o.payment_code', 'o.seller_id', 'r.created_at');
  if (asked && (!disputed || new Date(asked.created_at) >= new Date(disputed.updated_at)))
    return { paymentCode: asked.payment_code, role: asked.seller_id === userId ? 'seller' : 'buyer' };
  return disputed ? { paymentCode: disputed.payment_code, role: 'buyer' } : undefined;
}

export async function attachEvidence(
  knex: Knex,
  ring: KeyRing,
  input: EvidenceTarget & {
    userId: string;
    sourceRef: string;
    text?: string;
    image?: { contentType: string; bytes: Buffer };
  },
): Promise<{ attached: boolean }> {
  return knex.transaction(async (trx) => {
    const inserted = await trx('dispute_evidence')
      .insert({
        payment_code: input.paymentCode,
        user_id: input.userId,
        role: input.role,
        kind: input.image ? 'image' : 'text',
        text_ciphertext: input.text !== undefined ? encryptField(ring, input.text.slice(0, EVIDENCE_TEXT_MAX_CHARS)) : null,
        content_ciphertext: input.image ? encryptField(ring, input.image.bytes.toString('base64')) : null,
        content_type: input.image?.contentType ?? null,
        content_bytes: input.image?.bytes.length ?? null,
        source_ref: input.sourceRef,
      })
      .onConflict('source_ref')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return { attached: false };
    await appendAudit(trx, {
      actor: input.userId,
      action: 'dispute.evidence_added',
      subject: `order:${input.paymentCode}`,
      details: { evidenceId: Number(inserted[0].id), role: input.role, kind: input.image ? 'image' : 'text' },
    });
    return { attached: true };
  });
}

export interface EvidenceItem {
  id: number;
  role: EvidenceRole;
  userId: string;
  kind: 'text' | 'image';
  text?: string;
  contentType?: string;
  contentBytes?: number;
  createdAt: string;
}

export async function listEvidence(knex: Knex, ring: KeyRing, paymentCode: string): Promise<EvidenceItem[]> {
  const rows = await knex('dispute_evidence').where({ payment_code: paymentCode }).orderBy('created_at').orderBy('id');
  return rows.map((r) => ({
    id: Number(r.id),
    role: r.role,
    userId: r.user_id,
    kind: r.kind,
    ...(r.text_ciphertext ? { text: decryptField(ring, r.text_ciphertext) } : {}),
    ...(r.content_type ? { contentType: r.content_type, contentBytes: r.content_bytes } : {}),
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

export async function evidenceImage(
  knex: Knex,
  ring: KeyRing,
  paymentCode: string,
  id: number,
): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  const row = await knex('dispute_evidence')
    .where({ payment_code: paymentCode, id, kind: 'image' })
    .first('content_ciphertext', 'content_type');
  if (!row?.content_ciphertext) return undefined;
  return { contentType: row.content_type, bytes: Buffer.from(decryptField(ring, row.content_ciphertext), 'base64') };
}

/** The latest words each of these deals' buyers wrote for their dispute (opened for staff: a queue view is audited). */
export async function latestBuyerWords(knex: Knex, ring: KeyRing, paymentCodes: string[]): Promise<Map<string, string>> {
  if (paymentCodes.length === 0) return new Map();
  const rows = await knex('dispute_evidence')
    .distinctOn('payment_code')
    .whereIn('payment_code', paymentCodes)
    .where({ role: 'buyer', kind: 'text' })
    .orderBy([{ column: 'payment_code' }, { column: 'id', order: 'desc' }])
    .select('payment_code', 'text_ciphertext');
  return new Map(rows.map((r) => [r.payment_code, decryptField(ring, r.text_ciphertext)]));
}
