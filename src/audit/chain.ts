import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json';

/** What the first row links to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRowContent {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: JsonValue;
}

/** hash = sha256(prev_hash || canonical JSON of the row). Timestamps hash at millisecond precision. */
export function auditRowHash(prevHash: string, row: AuditRowContent): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
  });
  return createHash('sha256').update(prevHash, 'utf8').update(content, 'utf8').digest('hex');
}
