import type { Knex } from 'knex';
import { canonicalJson, type JsonValue } from './canonical-json';
import { auditRowHash, GENESIS_HASH } from './chain';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

export interface AppendedAudit {
  seq: number;
  hash: string;
}

/**
 * Serialises appends to the one chain. Transaction-scoped, so a crash never leaves it held; a
 * fixed key in its own range keeps it apart from other subsystems' advisory locks.
 */
const AUDIT_CHAIN_LOCK_KEY = 0x6175_6469_7400_0001n;

async function appendLocked(trx: Knex.Transaction, entry: AuditEntry): Promise<AppendedAudit> {
  await trx.raw('select pg_advisory_xact_lock(?::bigint)', [AUDIT_CHAIN_LOCK_KEY.toString()]);
  const last = await trx('audit_log').select('hash').orderBy('seq', 'desc').first<{ hash: string } | undefined>();
  const next = await trx.raw<{ rows: Array<{ seq: string }> }>(`select nextval(pg_get_serial_sequence('audit_log', 'seq'))::text as seq`);
  const seq = next.rows[0].seq;
  // Millisecond precision both in the row and the hash; what is hashed is exactly what is stored.
  const at = new Date(Date.now());
  const details = JSON.parse(canonicalJson(entry.details ?? {})) as JsonValue;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = auditRowHash(prevHash, { seq, at, actor: entry.actor, action: entry.action, subject: entry.subject, details });
  await trx('audit_log').insert({
    seq,
    at,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: JSON.stringify(details),
    prev_hash: prevHash,
    hash,
  });
  return { seq: Number(seq), hash };
}

/**
 * Appends one entry. Given a transaction, the entry commits (or rolls back) with the caller's
 * change - but the chain stays locked until that commit, so keep such transactions short.
 * Given a knex, it runs in its own short transaction.
 */
export async function appendAudit(db: Knex | Knex.Transaction, entry: AuditEntry): Promise<AppendedAudit> {
  if (db.isTransaction) return appendLocked(db as Knex.Transaction, entry);
  return db.transaction((trx) => appendLocked(trx, entry));
}
