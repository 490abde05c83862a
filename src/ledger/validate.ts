import { AccountsMustBeDifferent, LedgerValidationError, assertInvariant } from './errors';
import {
  ACCOUNT_KINDS,
  AMOUNT_MAX_MINOR,
  CURRENCIES,
  ID_LENGTH_MAX_CHARS,
  METADATA_SIZE_MAX_BYTES,
  SHARD_COUNT_DEFAULT,
  SHARD_COUNT_MAX,
  TRANSFER_KINDS,
  type Account,
  type CreateAccountInput,
  type Currency,
  type TransferInput,
  type TransferKind,
} from './types';

/**
 * Everything checked here is checked before any SQL runs, so a bad input costs no round trip
 * and can never leave a half-written trace. Callers may be plain JavaScript (activity payloads
 * decoded from JSON), so nothing trusts the static types.
 */

export function validateId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new LedgerValidationError(field, 'must be a non-empty string');
  if (value.length > ID_LENGTH_MAX_CHARS) {
    throw new LedgerValidationError(field, `must be at most ${ID_LENGTH_MAX_CHARS} characters`);
  }
  // A NUL cannot be stored in a PostgreSQL text column; refuse it here with a clear message.
  if (value.includes('\u0000')) throw new LedgerValidationError(field, 'must not contain NUL');
  return value;
}

export function validateAmountMinor(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > AMOUNT_MAX_MINOR) {
    throw new LedgerValidationError(field, 'must be a positive safe integer of minor units');
  }
  return value;
}

export function validateCurrency(field: string, value: unknown): Currency {
  if (!(CURRENCIES as readonly unknown[]).includes(value)) {
    throw new LedgerValidationError(field, `must be one of ${CURRENCIES.join(', ')}`);
  }
  return value as Currency;
}

function validateOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new LedgerValidationError(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function validateBoolean(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new LedgerValidationError(field, 'must be a boolean');
  return value;
}

/** Returns the JSON text sent to a jsonb parameter, or null. */
export function validateJsonObject(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new LedgerValidationError(field, 'must be a JSON object');
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new LedgerValidationError(field, `must be serialisable as JSON (${(err as Error).message})`);
  }
  if (Buffer.byteLength(text, 'utf8') > METADATA_SIZE_MAX_BYTES) {
    throw new LedgerValidationError(field, `must be at most ${METADATA_SIZE_MAX_BYTES} bytes as JSON`);
  }
  // jsonb rejects \u0000 in strings; say so before the database does.
  if (text.includes('\\u0000')) throw new LedgerValidationError(field, 'must not contain NUL characters');
  return text;
}

/** An account input with defaults applied, in the shape the SQL function takes. */
export type AccountCall = Pick<
  Account,
  'id' | 'currency' | 'kind' | 'debitsMustNotExceedCredits' | 'creditsMustNotExceedDebits' | 'shardCount'
> & {
  userDataJson: string | null;
};

export function normalizeAccountInput(input: CreateAccountInput): AccountCall {
  if (typeof input !== 'object' || input === null) throw new LedgerValidationError('account', 'must be an object');
  const debitsMustNotExceedCredits = validateBoolean('debitsMustNotExceedCredits', input.debitsMustNotExceedCredits);
  const creditsMustNotExceedDebits = validateBoolean('creditsMustNotExceedDebits', input.creditsMustNotExceedDebits);
  if (debitsMustNotExceedCredits && creditsMustNotExceedDebits) {
    throw new LedgerValidationError('flags', 'an account cannot limit both its debits and its credits');
  }
  const shardCount = input.shardCount ?? SHARD_COUNT_DEFAULT;
  if (!Number.isSafeInteger(shardCount) || shardCount < 1 || shardCount > SHARD_COUNT_MAX) {
    throw new LedgerValidationError('shardCount', `must be an integer from 1 to ${SHARD_COUNT_MAX}`);
  }
  return {
    id: validateId('id', input.id),
    currency: validateCurrency('currency', input.currency),
    kind: validateOneOf('kind', input.kind, ACCOUNT_KINDS),
    debitsMustNotExceedCredits,
    creditsMustNotExceedDebits,
    shardCount,
    userDataJson: validateJsonObject('userData', input.userData),
  };
}

/** A transfer input in the shape ledger_create_transfer takes; nulls where the kind has none. */
export interface TransferCall {
  id: string;
  kind: TransferKind;
  debitAccountId: string | null;
  creditAccountId: string | null;
  amountMinor: number | null;
  currency: Currency | null;
  pendingId: string | null;
  metadataJson: string | null;
}

export function normalizeTransferInput(input: TransferInput): TransferCall {
  if (typeof input !== 'object' || input === null) throw new LedgerValidationError('transfer', 'must be an object');
  const id = validateId('id', input.id);
  const kind = validateOneOf('kind', input.kind ?? 'single', TRANSFER_KINDS);
  const metadataJson = validateJsonObject('metadata', input.metadata);
  if (kind === 'post' || kind === 'void') {
    const resolving = input as { pendingId?: unknown; amountMinor?: unknown };
    const pendingId = validateId('pendingId', resolving.pendingId);
    if (pendingId === id) throw new LedgerValidationError('pendingId', 'must differ from the transfer id');
    let amountMinor: number | null = null;
    if (kind === 'post' && resolving.amountMinor !== undefined) {
      amountMinor = validateAmountMinor('amountMinor', resolving.amountMinor);
    }
    if (kind === 'void' && resolving.amountMinor !== undefined) {
      throw new LedgerValidationError('amountMinor', 'a void releases the whole pending amount and takes none');
    }
    return { id, kind, debitAccountId: null, creditAccountId: null, amountMinor, currency: null, pendingId, metadataJson };
  }
  const single = input as { debitAccountId?: unknown; creditAccountId?: unknown; amountMinor?: unknown; currency?: unknown };
  const debitAccountId = validateId('debitAccountId', single.debitAccountId);
  const creditAccountId = validateId('creditAccountId', single.creditAccountId);
  if (debitAccountId === creditAccountId) {
    throw new AccountsMustBeDifferent(id, debitAccountId);
  }
  return {
    id,
    kind,
    debitAccountId,
    creditAccountId,
    amountMinor: validateAmountMinor('amountMinor', single.amountMinor),
    currency: validateCurrency('currency', single.currency),
    pendingId: null,
    metadataJson,
  };
}

/** bigint columns arrive as strings; a ledger value outside the safe range is a broken invariant. */
export function minorFromDb(field: string, value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  assertInvariant(typeof value === 'string' || typeof value === 'number', `${field} is not a number: ${String(value)}`);
  assertInvariant(Number.isSafeInteger(n), `${field} ${String(value)} is outside the safe integer range`);
  return n;
}

export function validateBatchSize(field: string, length: number, max: number): void {
  if (length > max) throw new LedgerValidationError(field, `must hold at most ${max} items, got ${length}`);
}
