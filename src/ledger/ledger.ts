import type { Knex } from 'knex';
import { createAccount, createAccounts, lookupAccount, type CreateAccountItemResult } from './accounts';
import { balance, totalsByCurrency } from './balances';
import { transferBatcher } from './batcher';
import { ledgerSql } from './db';
import { normalizeTransferInput } from './validate';
import { createTransfer, createTransfers, lookupTransfer, type CreateTransferItemResult } from './transfers';
import type {
  Account,
  Balance,
  CreateAccountInput,
  CreateAccountResult,
  Currency,
  CurrencyTotals,
  Transfer,
  TransferInput,
  TransferResult,
} from './types';

export interface Ledger {
  createAccount(input: CreateAccountInput): Promise<CreateAccountResult>;
  createAccounts(inputs: CreateAccountInput[]): Promise<CreateAccountItemResult[]>;
  createTransfer(input: TransferInput): Promise<TransferResult>;
  createTransfers(inputs: TransferInput[]): Promise<CreateTransferItemResult[]>;
  lookupAccount(id: string): Promise<Account | null>;
  lookupTransfer(id: string): Promise<Transfer | null>;
  balance(accountId: string): Promise<Balance>;
  totalsByCurrency(accountIds?: string[]): Promise<Record<Currency, CurrencyTotals>>;
}

export interface LedgerOptions {
  /** Group commit of concurrent single transfers (default on); off sends each on its own. */
  autoBatch?: false | { maxItems: number; maxInFlight: number };
}

/** The pool behind `knex` bounds concurrency: give it at least as many connections as callers. */
export function createLedger(knex: Knex, options: LedgerOptions = {}): Ledger {
  const sql = ledgerSql(knex);
  const batcher =
    options.autoBatch === false
      ? undefined
      : transferBatcher(
          (inputs) => createTransfers(sql, inputs),
          (input) => createTransfer(sql, input),
          options.autoBatch,
        );
  return {
    createAccount: (input) => createAccount(sql, input),
    createAccounts: (inputs) => createAccounts(sql, inputs),
    createTransfer: async (input) => {
      if (batcher === undefined) return createTransfer(sql, input);
      normalizeTransferInput(input); // a malformed transfer is refused here, alone, before any batch
      return batcher.submit(input);
    },
    createTransfers: (inputs) => createTransfers(sql, inputs),
    lookupAccount: (id) => lookupAccount(sql, id),
    lookupTransfer: (id) => lookupTransfer(sql, id),
    balance: (accountId) => balance(sql, accountId),
    totalsByCurrency: (accountIds) => totalsByCurrency(sql, accountIds),
  };
}
