import type { Knex } from 'knex';
import { auditRowHash, GENESIS_HASH, type AuditRowContent } from './chain';

export type AuditChainResult =
  { ok: true; rows: number; headSeq: number | null; headHash: string } | { ok: false; firstBrokenSeq: number; reason: string };

/** Rows per query: the walk is in seq order with keyset paging, so memory stays flat. */
const VERIFY_BATCH_ROWS = 1000;

interface StoredRow extends AuditRowContent {
  prev_hash: string;
  hash: string;
}

/**
 * Recomputes every link. An altered row fails its own hash; a deleted, inserted or re-hashed
 * row fails the next row's prev_hash. Removing rows from the end leaves a shorter valid chain:
 * compare the returned head with one recorded elsewhere to catch that.
 */
export async function verifyAuditChain(db: Knex | Knex.Transaction): Promise<AuditChainResult> {
  let expectedPrev = GENESIS_HASH;
  let lastSeq: string | null = null;
  let rows = 0;
  for (;;) {
    const query = db('audit_log').select<StoredRow[]>('seq', 'at', 'actor', 'action', 'subject', 'details', 'prev_hash', 'hash');
    if (lastSeq !== null) query.where('seq', '>', lastSeq);
    const batch = await query.orderBy('seq', 'asc').limit(VERIFY_BATCH_ROWS);
    for (const row of batch) {
      if (row.prev_hash !== expectedPrev) {
        return {
          ok: false,
          firstBrokenSeq: Number(row.seq),
          reason:
            rows === 0
              ? 'the first row does not link to the genesis hash (rows before it were removed)'
              : `prev_hash does not match the hash of the row before (seq ${lastSeq}): a row was removed, inserted or re-hashed`,
        };
      }
      const recomputed = auditRowHash(row.prev_hash, row);
      if (recomputed !== row.hash) {
        return { ok: false, firstBrokenSeq: Number(row.seq), reason: 'hash does not match the row contents: the row was altered' };
      }
      expectedPrev = row.hash;
      lastSeq = String(row.seq);
      rows += 1;
    }
    if (batch.length < VERIFY_BATCH_ROWS) break;
  }
  return { ok: true, rows, headSeq: lastSeq === null ? null : Number(lastSeq), headHash: expectedPrev };
}
