import type { Knex } from 'knex';
import { createAccount, createAccounts, lookupAccount, type CreateAccountItemResult } from './accounts';
import { balance, totalsByCurrency } from './balances';
import { ledgerSql } from './db';
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

/** The pool behind `knex` bounds concurrency: give it at least as many connections as callers. */
export function createLedger(knex: Knex): Ledger {
  const sql = ledgerSql(knex);
  return {
    createAccount: (input) => createAccount(sql, input),
    createAccounts: (inputs) => createAccounts(sql, inputs),
    createTransfer: (input) => createTransfer(sql, input),
    createTransfers: (inputs) => createTransfers(sql, inputs),
    lookupAccount: (id) => lookupAccount(sql, id),
    lookupTransfer: (id) => lookupTransfer(sql, id),
    balance: (accountId) => balance(sql, accountId),
    totalsByCurrency: (accountIds) => totalsByCurrency(sql, accountIds),
  };
}
