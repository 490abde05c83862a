/**
 * Every ledger failure is a LedgerError with a stable `code`. Refusals (`retryable: false`) are
 * answers about the money or the input and will give the same answer on a retry; a Temporal
 * activity turns them into non-retryable ApplicationFailures by code. Only contention and
 * infrastructure failures are worth retrying.
 */
export abstract class LedgerError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input broke a rule checked before any SQL (amount, currency, id length...). */
export class LedgerValidationError extends LedgerError {
  readonly code = 'validation_failed';
  readonly retryable = false;
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`ledger input ${field}: ${reason}`);
  }
}

export class AccountNotFound extends LedgerError {
  readonly code = 'account_not_found';
  readonly retryable = false;
  constructor(readonly accountId: string) {
    super(`ledger account ${accountId} does not exist`);
  }
}

export class AccountIdConflict extends LedgerError {
  readonly code = 'account_id_conflict';
  readonly retryable = false;
  constructor(readonly accountId: string) {
    super(`ledger account ${accountId} already exists with different fields`);
  }
}

export class TransferIdConflict extends LedgerError {
  readonly code = 'transfer_id_conflict';
  readonly retryable = false;
  constructor(readonly transferId: string) {
    super(`ledger transfer ${transferId} already exists with different fields`);
  }
}

/** A refusal about one account in one transfer. */
abstract class TransferAccountRefusal extends LedgerError {
  readonly retryable = false;
  constructor(
    readonly transferId: string,
    readonly accountId: string,
    problem: string,
  ) {
    super(`ledger transfer ${transferId}: ${problem}`);
  }
}

export class AccountsMustBeDifferent extends TransferAccountRefusal {
  readonly code = 'accounts_must_be_different';
  constructor(transferId: string, accountId: string) {
    super(transferId, accountId, `debits and credits the same account ${accountId}`);
  }
}

export class CurrencyMismatch extends TransferAccountRefusal {
  readonly code = 'currency_mismatch';
  constructor(transferId: string, accountId: string) {
    super(transferId, accountId, `currency differs from account ${accountId}`);
  }
}

/** A debit would take a debits-must-not-exceed-credits account below zero available. */
export class InsufficientFunds extends TransferAccountRefusal {
  readonly code = 'insufficient_funds';
  constructor(transferId: string, accountId: string) {
    super(transferId, accountId, `insufficient funds in ${accountId}`);
  }
}

/** The mirror of InsufficientFunds for a credits-must-not-exceed-debits account. */
export class CreditsExceedDebits extends TransferAccountRefusal {
  readonly code = 'credits_exceed_debits';
  constructor(transferId: string, accountId: string) {
    super(transferId, accountId, `credits would exceed debits of ${accountId}`);
  }
}

/** A refusal about the pending transfer a post or void names. */
abstract class PendingTransferRefusal extends LedgerError {
  readonly retryable = false;
  constructor(
    readonly transferId: string,
    readonly pendingId: string,
    problem: string,
  ) {
    super(`ledger transfer ${transferId}: ${problem}`);
  }
}

export class PendingTransferNotFound extends PendingTransferRefusal {
  readonly code = 'pending_transfer_not_found';
  constructor(transferId: string, pendingId: string) {
    super(transferId, pendingId, `pending transfer ${pendingId} does not exist`);
  }
}

export class PendingTransferNotPending extends PendingTransferRefusal {
  readonly code = 'pending_transfer_not_pending';
  constructor(transferId: string, pendingId: string) {
    super(transferId, pendingId, `${pendingId} is not a pending transfer`);
  }
}

export class PendingAlreadyPosted extends PendingTransferRefusal {
  readonly code = 'pending_already_posted';
  constructor(transferId: string, pendingId: string) {
    super(transferId, pendingId, `pending transfer ${pendingId} is already posted`);
  }
}

export class PendingAlreadyVoided extends PendingTransferRefusal {
  readonly code = 'pending_already_voided';
  constructor(transferId: string, pendingId: string) {
    super(transferId, pendingId, `pending transfer ${pendingId} is already voided`);
  }
}

export class ExceedsPendingAmount extends PendingTransferRefusal {
  readonly code = 'exceeds_pending_amount';
  constructor(transferId: string, pendingId: string) {
    super(transferId, pendingId, `posts more than pending transfer ${pendingId} holds`);
  }
}

/** Deadlock or serialization failure still there after CONTENTION_ATTEMPTS_MAX tries. */
export class LedgerContention extends LedgerError {
  readonly code = 'ledger_contention';
  readonly retryable = true;
  constructor(
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(`ledger contention did not clear after ${attempts} attempts: ${lastError.message}`);
  }
}

/** The database answered something the ledger's rules say cannot happen: a bug, not a refusal. */
export class LedgerInvariantViolation extends LedgerError {
  readonly code = 'ledger_invariant_violation';
  readonly retryable = false;
}

export function assertInvariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantViolation(message);
}

interface RefusalContext {
  transferId: string;
  pendingId: string | null;
  accountId: string | null;
}

/** Maps a refusal code returned by ledger_create_transfer to its error. */
export function refusalError(code: string, ctx: RefusalContext): LedgerError {
  const account = () => {
    assertInvariant(ctx.accountId !== null, `refusal ${code} without an account id`);
    return ctx.accountId;
  };
  const pending = () => {
    assertInvariant(ctx.pendingId !== null, `refusal ${code} without a pending id`);
    return ctx.pendingId;
  };
  switch (code) {
    case 'transfer_id_conflict':
      return new TransferIdConflict(ctx.transferId);
    case 'account_not_found':
      return new AccountNotFound(account());
    case 'accounts_must_be_different':
      return new AccountsMustBeDifferent(ctx.transferId, account());
    case 'currency_mismatch':
      return new CurrencyMismatch(ctx.transferId, account());
    case 'insufficient_funds':
      return new InsufficientFunds(ctx.transferId, account());
    case 'credits_exceed_debits':
      return new CreditsExceedDebits(ctx.transferId, account());
    case 'pending_transfer_not_found':
      return new PendingTransferNotFound(ctx.transferId, pending());
    case 'pending_transfer_not_pending':
      return new PendingTransferNotPending(ctx.transferId, pending());
    case 'pending_already_posted':
      return new PendingAlreadyPosted(ctx.transferId, pending());
    case 'pending_already_voided':
      return new PendingAlreadyVoided(ctx.transferId, pending());
    case 'exceeds_pending_amount':
      return new ExceedsPendingAmount(ctx.transferId, pending());
    default:
      throw new LedgerInvariantViolation(`unknown refusal code ${code} for transfer ${ctx.transferId}`);
  }
}
