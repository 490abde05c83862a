import { NormaliseError } from '../crypto/normalise';
import { isWatchlistKeyType, watchlistKey, type WatchlistKeyType } from './keys';

/** One validated import row, already reduced to what is stored. */
export interface WatchlistRow {
  sourceRef: string;
  keyType: WatchlistKeyType;
  keyHash: string;
  keyMasked: string;
  reason: string;
  expiresAt: Date | null;
}

const SOURCE_REF_MAX_CHARS = 200;
const REASON_MAX_CHARS = 500;
/** Date-only expiries mean "through that day" in Taiwan time (UTC+8, no daylight saving). */
const TAIWAN_UTC_OFFSET = '+08:00';
const DAY_MS = 24 * 60 * 60 * 1000;

export class RowError extends Error {}

function text(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new RowError(`${name} must be text`);
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(fields: Record<string, unknown>, name: string, maxChars: number): string {
  const value = text(fields, name);
  if (value === undefined) throw new RowError(`${name} is missing`);
  if (value.length > maxChars) throw new RowError(`${name} is longer than ${maxChars} characters`);
  return value;
}

function parseExpiry(raw: string | undefined): Date | null {
  if (raw === undefined) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const start = Date.parse(`${raw}T00:00:00${TAIWAN_UTC_OFFSET}`);
    if (Number.isNaN(start)) throw new RowError(`expires_at "${raw}" is not a date`);
    return new Date(start + DAY_MS);
  }
  // A time without an offset would depend on the importing machine's zone: refuse it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    throw new RowError(`expires_at "${raw}" must be YYYY-MM-DD or an ISO 8601 time with an offset`);
  }
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new RowError(`expires_at "${raw}" is not a valid time`);
  return new Date(at);
}

/** Throws RowError (or NormaliseError, as RowError) with a reason fit for the import report. */
export function toWatchlistRow(fields: Record<string, unknown>, hashSecret: string): WatchlistRow {
  const sourceRef = required(fields, 'source_ref', SOURCE_REF_MAX_CHARS);
  const keyType = required(fields, 'key_type', SOURCE_REF_MAX_CHARS);
  if (!isWatchlistKeyType(keyType)) throw new RowError(`key_type "${keyType}" is not one of the known key types`);
  const value = text(fields, 'key_value') ?? text(fields, 'value');
  if (value === undefined) throw new RowError('key_value is missing');
  const reason = required(fields, 'reason', REASON_MAX_CHARS);
  const expiresAt = parseExpiry(text(fields, 'expires_at'));
  try {
    const { hash, masked } = watchlistKey(hashSecret, keyType, value);
    return { sourceRef, keyType, keyHash: hash, keyMasked: masked, reason, expiresAt };
  } catch (err) {
    if (err instanceof NormaliseError) throw new RowError(`key_value: ${err.message}`);
    throw err;
  }
}
