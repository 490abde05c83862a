import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { activeReceivingAccount } from '../bank-accounts';
import type { Settings } from '../config/settings';
import { payoutWorkflowId, walletAccountId } from '../domain/ids';
import type { Currency } from '../domain/money';
import { createLedger } from '../ledger';
import type { PayoutWorkflowInput } from '../../workflows/payout-messages';

/**
 * A withdrawal: wallet → the party's verified bank account, started from the wallet page
 * (POST /api/payouts) or from the chat (`withdraw`). The payout's id comes from its owner and
 * the caller's idempotency key, so a repeated request names the same payout and starts it once;
 * refusals we can see now (no verified account, short funds) write nothing.
 */
export type WithdrawResult =
  | { ok: true; created: boolean; payout: PayoutBody }
  | { ok: false; reason: 'bank_account_required' }
  | { ok: false; reason: 'insufficient_funds'; availableMinor: number }
  | { ok: false; reason: 'idempotency_key_reuse' };

export interface WithdrawDeps {
  knex: Knex;
  temporal: Client;
  settings: Settings;
}

/** A payout's id from its owner and their Idempotency-Key: the same request always names the same payout. */
export function payoutIdFor(userId: string, idempotencyKey: string): string {
  return `pyt_${createHash('sha256').update(`${userId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export async function requestWithdrawal(
  deps: WithdrawDeps,
  input: { userId: string; idempotencyKey: string; amountMinor: number; currency: Currency },
): Promise<WithdrawResult> {
  const { knex, settings } = deps;
  const { userId, amountMinor, currency } = input;
  const payoutId = payoutIdFor(userId, input.idempotencyKey);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([amountMinor, currency]))
    .digest('hex');
  const existing = await knex('payouts').where({ payout_id: payoutId }).first();
  if (existing && existing.request_fingerprint !== fingerprint) return { ok: false, reason: 'idempotency_key_reuse' };
  if (!existing) {
    if (!(await activeReceivingAccount(knex, userId))) return { ok: false, reason: 'bank_account_required' };
    const available = await availableMinor(knex, userId, currency);
    if (available < amountMinor) return { ok: false, reason: 'insufficient_funds', availableMinor: available };
    await knex('payouts')
      .insert({
        payout_id: payoutId,
        user_id: userId,
        request_fingerprint: fingerprint,
        amount_minor: amountMinor,
        currency,
        state: 'requested',
      })
      .onConflict('payout_id')
      .ignore();
  }
  try {
    await deps.temporal.workflow.start('payoutWorkflow', {
      taskQueue: settings.taskQueue,
      workflowId: payoutWorkflowId(payoutId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ payoutId, userId, amountMinor, currency, resultWaitMs: settings.moneyOut.payoutResultWaitMs } satisfies PayoutWorkflowInput],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // finished already: the row says how
  }
  const row = await knex('payouts').where({ payout_id: payoutId }).first();
  return { ok: true, created: !existing, payout: payoutBody(row as Record<string, unknown>) };
}

/** What the wallet may pay out now in one currency (0 when it has no account in it). */
export async function availableMinor(knex: Knex, userId: string, currency: Currency): Promise<number> {
  const ledger = createLedger(knex);
  const wallet = await ledger.lookupAccount(walletAccountId(userId, currency));
  if (wallet?.currency !== currency) return 0;
  return (await ledger.balance(wallet.id)).availableMinor ?? 0;
}

export interface PayoutBody {
  payoutId: string;
  state: string;
  amountMinor: number;
  currency: string;
  accountMasked?: string;
  holdReasons: string[];
  failureReason?: string;
  createdAt: unknown;
  updatedAt: unknown;
}

/** The read-model row as its owner sees it: the account only masked. */
export function payoutBody(row: Record<string, any>): PayoutBody {
  return {
    payoutId: row.payout_id,
    state: row.state,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    accountMasked: row.account_masked ?? undefined,
    holdReasons: row.hold_reasons ?? [],
    failureReason: row.failure_reason ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
