import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { createLedger, type CreateAccountInput, type Ledger, type Transfer } from '../../src/ledger';
import { transferFromRow } from '../../src/ledger/transfers';
import { testDatabaseUrl, uniqueId } from '../support/env';

/** Pool large enough that a Promise.all of concurrent transfers really runs concurrently. */
export const TEST_POOL_MAX_CONNECTIONS = 16;

export interface LedgerHarness {
  knex: Knex;
  ledger: Ledger;
  close(): Promise<void>;
}

export function openLedger(): LedgerHarness {
  const knex = createKnex(testDatabaseUrl(), TEST_POOL_MAX_CONNECTIONS);
  return { knex, ledger: createLedger(knex), close: () => knex.destroy() };
}

/** Creates accounts with fresh ids; `id` in a spec is a label, the real id is returned. */
export async function createAccounts<L extends string>(
  ledger: Ledger,
  specs: Record<L, Omit<CreateAccountInput, 'id'>>,
): Promise<Record<L, string>> {
  const ids = {} as Record<L, string>;
  for (const label of Object.keys(specs) as L[]) {
    ids[label] = uniqueId(`acct-${label}`);
    const { status } = await ledger.createAccount({ id: ids[label], ...specs[label] });
    if (status !== 'created') throw new Error(`account ${ids[label]} was not created`);
  }
  return ids;
}

export interface Sums {
  debitsPostedMinor: number;
  creditsPostedMinor: number;
  debitsPendingMinor: number;
  creditsPendingMinor: number;
}

export const zeroSums = (): Sums => ({ debitsPostedMinor: 0, creditsPostedMinor: 0, debitsPendingMinor: 0, creditsPendingMinor: 0 });

/** What each account's balance must be, derived from transfers alone (independent of the shards). */
export function sumsFromTransfers(accountIds: string[], transfers: Transfer[]): Map<string, Sums> {
  const sums = new Map(accountIds.map((id) => [id, zeroSums()]));
  for (const t of transfers) {
    // Accounts outside the list still count on the side that is in it.
    const debit = sums.get(t.debitAccountId) ?? zeroSums();
    const credit = sums.get(t.creditAccountId) ?? zeroSums();
    if (t.kind === 'single' || t.kind === 'post') {
      debit.debitsPostedMinor += t.amountMinor;
      credit.creditsPostedMinor += t.amountMinor;
    } else if (t.kind === 'pending' && t.state === 'pending') {
      debit.debitsPendingMinor += t.amountMinor;
      credit.creditsPendingMinor += t.amountMinor;
    }
  }
  return sums;
}

/** Every stored transfer touching the accounts, read straight from the table. */
export async function storedTransfers(knex: Knex, accountIds: string[]): Promise<Transfer[]> {
  const rows = await knex('ledger_transfers')
    .whereIn('debit_account_id', accountIds)
    .orWhereIn('credit_account_id', accountIds)
    .select('*');
  return rows.map(transferFromRow);
}
