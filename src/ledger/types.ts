/**
 * Ledger vocabulary and limits. Limits are named with their unit so a reader never has to guess
 * whether 128 is characters or bytes; the migration (src/db/migrations/0001_ledger.ts) enforces
 * the same ones again in SQL.
 */

/** The product's currency list; the ledger itself never leaves minor units (display is src/domain/money.ts). */
import type { Currency } from '../domain/money';
export { CURRENCIES, type Currency } from '../domain/money';

export const ACCOUNT_KINDS = ['user_wallet', 'escrow', 'provider_clearing', 'payout_clearing', 'fees'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const TRANSFER_KINDS = ['single', 'pending', 'post', 'void'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
export type PendingState = 'pending' | 'posted' | 'voided';

export const ID_LENGTH_MAX_CHARS = 128;
/** TigerBeetle's batch size: big enough to amortise a round trip, small enough to bound lock time. */
export const BATCH_SIZE_MAX_ITEMS = 8189;
export const METADATA_SIZE_MAX_BYTES = 4096;
export const AMOUNT_MAX_MINOR = Number.MAX_SAFE_INTEGER;
/** Balance rows per account. Busy accounts (provider clearing, fees, a big seller) want more;
 * an account whose debits are checked sums all its shards on every debit, so it wants few. */
export const SHARD_COUNT_DEFAULT = 8;
export const SHARD_COUNT_MAX = 256;
/** Deadlocks and serialization failures are retried this many times in all (first try included). */
export const CONTENTION_ATTEMPTS_MAX = 6;
export const CONTENTION_BACKOFF_BASE_MS = 2;

export type JsonObject = { [key: string]: unknown };

export interface CreateAccountInput {
  id: string;
  currency: Currency;
  kind: AccountKind;
  /** Refuse debits that would take posted+pending debits above posted credits (a wallet). */
  debitsMustNotExceedCredits?: boolean;
  /** The mirror: refuse credits beyond posted debits. */
  creditsMustNotExceedDebits?: boolean;
  shardCount?: number;
  userData?: JsonObject;
}

export interface Account {
  id: string;
  currency: Currency;
  kind: AccountKind;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
  shardCount: number;
  userData: JsonObject | null;
  createdAt: Date;
}

export interface CreateAccountResult {
  status: 'created' | 'exists';
  account: Account;
}

export interface SingleTransferInput {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: number;
  currency: Currency;
  /** 'pending' reserves the amount (counted against limits) until a post or void resolves it. */
  kind?: 'single' | 'pending';
  metadata?: JsonObject;
}

export interface PostPendingInput {
  id: string;
  pendingId: string;
  kind: 'post';
  /** Partial post; the rest of the pending amount is released. Default: the full amount. */
  amountMinor?: number;
  metadata?: JsonObject;
}

export interface VoidPendingInput {
  id: string;
  pendingId: string;
  kind: 'void';
  metadata?: JsonObject;
}

export type TransferInput = SingleTransferInput | PostPendingInput | VoidPendingInput;

export interface Transfer {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  /** For a post: the amount posted; for a void: the amount released. */
  amountMinor: number;
  currency: Currency;
  kind: TransferKind;
  pendingId: string | null;
  /** Only for kind 'pending'. */
  state: PendingState | null;
  /** Only for a posted pending transfer. */
  postedAmountMinor: number | null;
  metadata: JsonObject | null;
  createdAt: Date;
}

export interface TransferResult {
  status: 'created' | 'exists';
  transfer: Transfer;
}

export interface Balance {
  accountId: string;
  currency: Currency;
  debitsPostedMinor: number;
  creditsPostedMinor: number;
  debitsPendingMinor: number;
  creditsPendingMinor: number;
  /** What the account's limit still allows: credits − debits − pending debits for a
   * debits-must-not-exceed-credits account, the mirror for the other flag, absent otherwise. */
  availableMinor?: number;
}

export interface CurrencyTotals {
  debitsPostedMinor: number;
  creditsPostedMinor: number;
  debitsPendingMinor: number;
  creditsPendingMinor: number;
  /** creditsPosted − debitsPosted over all accounts: zero in a sound ledger. */
  netPostedMinor: number;
  /** creditsPending − debitsPending: zero in a sound ledger. */
  netPendingMinor: number;
}
