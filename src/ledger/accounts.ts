import type { LedgerSql, PreparedStatement } from './db';
import { AccountIdConflict, LedgerError, assertInvariant } from './errors';
import {
  BATCH_SIZE_MAX_ITEMS,
  type Account,
  type AccountKind,
  type CreateAccountInput,
  type CreateAccountResult,
  type Currency,
  type JsonObject,
} from './types';
import { normalizeAccountInput, validateBatchSize, validateId, type AccountCall } from './validate';

export type CreateAccountItemResult = ({ ok: true } & CreateAccountResult) | { ok: false; error: LedgerError };

interface AccountRow {
  status?: string;
  id: string;
  currency: string;
  kind: string;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  shard_count: number;
  user_data: JsonObject | null;
  created_at: Date;
}

const CREATE_ACCOUNTS: PreparedStatement = {
  name: 'ledger_create_accounts_v1',
  text: `select * from ledger_create_accounts($1::text[], $2::text[], $3::text[], $4::boolean[], $5::boolean[], $6::integer[], $7::jsonb[])`,
};

const LOOKUP_ACCOUNT: PreparedStatement = {
  name: 'ledger_lookup_account_v1',
  text: `select id, currency, kind, debits_must_not_exceed_credits, credits_must_not_exceed_debits, shard_count, user_data, created_at
           from ledger_accounts where id = $1`,
};

export function accountFromRow(row: AccountRow): Account {
  return {
    id: row.id,
    currency: row.currency as Currency,
    kind: row.kind as AccountKind,
    debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
    creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
    shardCount: row.shard_count,
    userData: row.user_data,
    createdAt: row.created_at,
  };
}

/** Atomic per item: an account and all its balance shards appear together or not at all. */
export async function createAccounts(sql: LedgerSql, inputs: CreateAccountInput[]): Promise<CreateAccountItemResult[]> {
  validateBatchSize('accounts', inputs.length, BATCH_SIZE_MAX_ITEMS);
  const results: (CreateAccountItemResult | undefined)[] = new Array(inputs.length);
  const calls: { index: number; call: AccountCall }[] = [];
  inputs.forEach((input, index) => {
    try {
      calls.push({ index, call: normalizeAccountInput(input) });
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      results[index] = { ok: false, error: err };
    }
  });
  if (calls.length > 0) {
    const rows = await sql.query<AccountRow>(CREATE_ACCOUNTS, [
      calls.map((c) => c.call.id),
      calls.map((c) => c.call.currency),
      calls.map((c) => c.call.kind),
      calls.map((c) => c.call.debitsMustNotExceedCredits),
      calls.map((c) => c.call.creditsMustNotExceedDebits),
      calls.map((c) => c.call.shardCount),
      calls.map((c) => c.call.userDataJson),
    ]);
    assertInvariant(rows.length === calls.length, `ledger_create_accounts returned ${rows.length} rows for ${calls.length}`);
    rows.forEach((row, i) => {
      const { index, call } = calls[i];
      assertInvariant(row.id === call.id, `ledger_create_accounts answered ${row.id} for ${call.id}`);
      if (row.status === 'conflict') {
        results[index] = { ok: false, error: new AccountIdConflict(call.id) };
      } else {
        assertInvariant(row.status === 'created' || row.status === 'exists', `unknown account status ${row.status}`);
        results[index] = { ok: true, status: row.status, account: accountFromRow(row) };
      }
    });
  }
  return results.map((r, i) => {
    assertInvariant(r !== undefined, `account item ${i} has no result`);
    return r;
  });
}

export async function createAccount(sql: LedgerSql, input: CreateAccountInput): Promise<CreateAccountResult> {
  const [result] = await createAccounts(sql, [input]);
  if (!result.ok) throw result.error;
  return { status: result.status, account: result.account };
}

export async function lookupAccount(sql: LedgerSql, id: string): Promise<Account | null> {
  const rows = await sql.query<AccountRow>(LOOKUP_ACCOUNT, [validateId('id', id)]);
  return rows.length === 0 ? null : accountFromRow(rows[0]);
}
