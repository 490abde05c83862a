import type { LedgerSql, PreparedStatement } from './db';
import { LedgerError, assertInvariant, refusalError } from './errors';
import {
  BATCH_SIZE_MAX_ITEMS,
  type Currency,
  type JsonObject,
  type PendingState,
  type Transfer,
  type TransferInput,
  type TransferKind,
  type TransferResult,
} from './types';
import { minorFromDb, normalizeTransferInput, validateBatchSize, validateId, type TransferCall } from './validate';

export type CreateTransferItemResult = ({ ok: true } & TransferResult) | { ok: false; error: LedgerError };

interface TransferRow {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount_minor: string;
  currency: string;
  kind: string;
  pending_id: string | null;
  state: string | null;
  posted_amount_minor: string | null;
  metadata: JsonObject | null;
  created_at: Date;
}

interface OutcomeRow extends TransferRow {
  status: string;
  error_code: string | null;
  error_account_id: string | null;
}

const CREATE_TRANSFER: PreparedStatement = {
  name: 'ledger_create_transfer_v1',
  text: 'select * from ledger_create_transfer($1, $2, $3, $4, $5::bigint, $6, $7, $8::jsonb)',
};

const CREATE_TRANSFERS: PreparedStatement = {
  name: 'ledger_create_transfers_v1',
  text: `select * from ledger_create_transfers($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::jsonb[])`,
};

const LOOKUP_TRANSFER: PreparedStatement = {
  name: 'ledger_lookup_transfer_v1',
  text: `select id, debit_account_id, credit_account_id, amount_minor, currency, kind, pending_id, state,
                posted_amount_minor, metadata, created_at
           from ledger_transfers where id = $1`,
};

export function transferFromRow(row: TransferRow): Transfer {
  const transfer: Transfer = {
    id: row.id,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amountMinor: minorFromDb('amount_minor', row.amount_minor),
    currency: row.currency as Currency,
    kind: row.kind as TransferKind,
    pendingId: row.pending_id,
    state: row.state as PendingState | null,
    postedAmountMinor: row.posted_amount_minor === null ? null : minorFromDb('posted_amount_minor', row.posted_amount_minor),
    metadata: row.metadata,
    createdAt: row.created_at,
  };
  assertInvariant(transfer.amountMinor > 0, `transfer ${transfer.id} has a non-positive amount`);
  assertInvariant(transfer.debitAccountId !== transfer.creditAccountId, `transfer ${transfer.id} debits and credits one account`);
  return transfer;
}

function resultFromOutcome(call: TransferCall, row: OutcomeRow): CreateTransferItemResult {
  if (row.status === 'refused') {
    assertInvariant(row.error_code !== null, `transfer ${call.id} refused without a code`);
    return {
      ok: false,
      error: refusalError(row.error_code, { transferId: call.id, pendingId: call.pendingId, accountId: row.error_account_id }),
    };
  }
  assertInvariant(row.status === 'created' || row.status === 'exists', `unknown transfer status ${row.status}`);
  assertInvariant(row.id === call.id, `ledger answered transfer ${row.id} for ${call.id}`);
  const transfer = transferFromRow(row);
  assertInvariant(transfer.kind === call.kind, `transfer ${call.id} came back as kind ${transfer.kind}`);
  return { ok: true, status: row.status, transfer };
}

function callValues(call: TransferCall): unknown[] {
  return [
    call.id,
    call.kind,
    call.debitAccountId,
    call.creditAccountId,
    call.amountMinor,
    call.currency,
    call.pendingId,
    call.metadataJson,
  ];
}

/** Throws the refusal as a LedgerError; a retry of a created transfer answers 'exists'. */
export async function createTransfer(sql: LedgerSql, input: TransferInput): Promise<TransferResult> {
  const call = normalizeTransferInput(input);
  const rows = await sql.query<OutcomeRow>(CREATE_TRANSFER, callValues(call));
  assertInvariant(rows.length === 1, `ledger_create_transfer returned ${rows.length} rows`);
  const result = resultFromOutcome(call, rows[0]);
  if (!result.ok) throw result.error;
  return { status: result.status, transfer: result.transfer };
}

/**
 * One round trip and one database transaction for the batch, applied in order, each item
 * atomic on its own: a refused or invalid item leaves no trace and does not stop the others.
 */
export async function createTransfers(sql: LedgerSql, inputs: TransferInput[]): Promise<CreateTransferItemResult[]> {
  validateBatchSize('transfers', inputs.length, BATCH_SIZE_MAX_ITEMS);
  const results: (CreateTransferItemResult | undefined)[] = new Array(inputs.length);
  const calls: { index: number; call: TransferCall }[] = [];
  inputs.forEach((input, index) => {
    try {
      calls.push({ index, call: normalizeTransferInput(input) });
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      results[index] = { ok: false, error: err };
    }
  });
  if (calls.length > 0) {
    const columns = calls.map((c) => callValues(c.call));
    const rows = await sql.query<OutcomeRow>(
      CREATE_TRANSFERS,
      columns[0].map((_, column) => columns.map((values) => values[column])),
    );
    assertInvariant(rows.length === calls.length, `ledger_create_transfers returned ${rows.length} rows for ${calls.length}`);
    rows.forEach((row, i) => {
      results[calls[i].index] = resultFromOutcome(calls[i].call, row);
    });
  }
  return results.map((r, i) => {
    assertInvariant(r !== undefined, `transfer item ${i} has no result`);
    return r;
  });
}

export async function lookupTransfer(sql: LedgerSql, id: string): Promise<Transfer | null> {
  const rows = await sql.query<TransferRow>(LOOKUP_TRANSFER, [validateId('id', id)]);
  return rows.length === 0 ? null : transferFromRow(rows[0]);
}
