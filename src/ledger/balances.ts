import type { LedgerSql, PreparedStatement } from './db';
import { AccountNotFound, assertInvariant } from './errors';
import { CURRENCIES, type Balance, type Currency, type CurrencyTotals } from './types';
import { minorFromDb, validateBatchSize, validateId } from './validate';

interface SumsRow {
  debits_posted: string;
  credits_posted: string;
  debits_pending: string;
  credits_pending: string;
}

interface BalanceRow extends SumsRow {
  currency: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
}

interface TotalsRow extends SumsRow {
  currency: string;
}

const SUMS = `coalesce(sum(b.debits_posted), 0) as debits_posted, coalesce(sum(b.credits_posted), 0) as credits_posted,
              coalesce(sum(b.debits_pending), 0) as debits_pending, coalesce(sum(b.credits_pending), 0) as credits_pending`;

// One statement, one snapshot: the shards are read as of the same instant.
const BALANCE: PreparedStatement = {
  name: 'ledger_balance_v1',
  text: `select a.currency, a.debits_must_not_exceed_credits, a.credits_must_not_exceed_debits, ${SUMS}
           from ledger_accounts a left join ledger_balances b on b.account_id = a.id
          where a.id = $1
          group by a.id`,
};

const TOTALS: PreparedStatement = {
  name: 'ledger_totals_v1',
  text: `select a.currency, ${SUMS}
           from ledger_balances b join ledger_accounts a on a.id = b.account_id
          where $1::text[] is null or b.account_id = any ($1::text[])
          group by a.currency`,
};

/** Accounts one totals query may name (they travel as one array parameter). */
export const TOTALS_ACCOUNTS_MAX_ITEMS = 100_000;

function sums(row: SumsRow) {
  return {
    debitsPostedMinor: minorFromDb('debits_posted', row.debits_posted),
    creditsPostedMinor: minorFromDb('credits_posted', row.credits_posted),
    debitsPendingMinor: minorFromDb('debits_pending', row.debits_pending),
    creditsPendingMinor: minorFromDb('credits_pending', row.credits_pending),
  };
}

export async function balance(sql: LedgerSql, accountId: string): Promise<Balance> {
  const rows = await sql.query<BalanceRow>(BALANCE, [validateId('accountId', accountId)]);
  if (rows.length === 0) throw new AccountNotFound(accountId);
  const row = rows[0];
  const s = sums(row);
  const result: Balance = { accountId, currency: row.currency as Currency, ...s };
  if (row.debits_must_not_exceed_credits) {
    result.availableMinor = s.creditsPostedMinor - s.debitsPostedMinor - s.debitsPendingMinor;
  } else if (row.credits_must_not_exceed_debits) {
    result.availableMinor = s.debitsPostedMinor - s.creditsPostedMinor - s.creditsPendingMinor;
  }
  // The function refuses anything that would break these; seeing one broken means a bug.
  assertInvariant(result.availableMinor === undefined || result.availableMinor >= 0, `account ${accountId} is over its limit`);
  assertInvariant(s.debitsPendingMinor >= 0 && s.creditsPendingMinor >= 0, `account ${accountId} has negative pending amounts`);
  return result;
}

/**
 * Sums of every balance per currency (or of the named accounts only). Each transfer moves the
 * same amount on both sides in one transaction, so over all accounts net posted and net pending
 * are zero at every snapshot; over a subset they are zero only if money stayed inside it.
 */
export async function totalsByCurrency(sql: LedgerSql, accountIds?: string[]): Promise<Record<Currency, CurrencyTotals>> {
  if (accountIds !== undefined) {
    validateBatchSize('accountIds', accountIds.length, TOTALS_ACCOUNTS_MAX_ITEMS);
    accountIds.forEach((id, i) => validateId(`accountIds[${i}]`, id));
  }
  const rows = await sql.query<TotalsRow>(TOTALS, [accountIds ?? null]);
  const totals = {} as Record<Currency, CurrencyTotals>;
  for (const currency of CURRENCIES) {
    totals[currency] = {
      debitsPostedMinor: 0,
      creditsPostedMinor: 0,
      debitsPendingMinor: 0,
      creditsPendingMinor: 0,
      netPostedMinor: 0,
      netPendingMinor: 0,
    };
  }
  for (const row of rows) {
    assertInvariant((CURRENCIES as readonly string[]).includes(row.currency), `unknown currency ${row.currency}`);
    const s = sums(row);
    totals[row.currency as Currency] = {
      ...s,
      netPostedMinor: s.creditsPostedMinor - s.debitsPostedMinor,
      netPendingMinor: s.creditsPendingMinor - s.debitsPendingMinor,
    };
  }
  return totals;
}
