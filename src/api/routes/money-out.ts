import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { Knex } from 'knex';
import { activeReceivingAccount, revokeReceivingCodes, sealBankEntry } from '../../bank-accounts';
import { bankCodeSchema, accountNumberSchema, holderNameSchema, verificationCodeSchema } from '../../bankcenter';
import type { Settings } from '../../config/settings';
import { payoutWorkflowId, quickReceiveWorkflowId, walletAccountId } from '../../domain/ids';
import { CURRENCIES, MAX_AMOUNT_MINOR } from '../../domain/money';
import { createLedger } from '../../ledger';
import type { PayoutWorkflowInput } from '../../../workflows/payout-messages';
import type { QuickReceiveInput } from '../../../workflows/quick-receive-messages';
import { quickReceiveViewQuery, requestQuickReceiveUpdate } from '../../../workflows/quick-receive-messages';
import { HttpProblem } from '../problem';
import { sendUpdate } from '../updates';
import { isFinishedOrUnknownRun } from '../webhook-relay';
import { idempotencyKeyFrom, updateIdFrom } from '../idempotency';
import { requireUser, type IdentityVerifier } from '../identity';

/**
 * Money out, as the bank-account page and the wallet page drive it: quick receive (S601–S607,
 * S701–S707) and payouts, plus the two signed callbacks (verification center, payout provider)
 * relayed into their workflows as updates whose ids are the event ids.
 */
/** payoutIdFor's shape: anything else is no payout, answered before any lookup. */
export const PAYOUT_ID_PATTERN = /^pyt_[0-9a-f]{32}$/;

const roleSchema = z.enum(['buyer', 'seller']);
const quickReceiveSchema = z
  .object({
    role: roleSchema,
    bankCode: bankCodeSchema.optional(),
    accountNumber: z
      .string()
      .trim()
      .transform((s) => s.replace(/[\s-]/g, ''))
      .pipe(accountNumberSchema)
      .optional(),
    holderName: holderNameSchema.optional(),
    verificationCode: verificationCodeSchema.optional(),
  })
  .strict()
  .refine(
    (b) => {
      const given = [b.bankCode, b.accountNumber, b.holderName, b.verificationCode].filter((v) => v !== undefined).length;
      return given === 0 || given === 4;
    },
    { message: 'bankCode, accountNumber, holderName and verificationCode go together (or none, to use the stored account)' },
  );
const revokeSchema = z.object({ role: roleSchema.optional() }).strict();
const payoutSchema = z
  .object({
    amountMinor: z.number().int().positive().max(MAX_AMOUNT_MINOR),
    currency: z.enum(CURRENCIES).default('TWD'),
  })
  .strict();

export interface MoneyOutDeps {
  knex: Knex;
  temporal: Client;
  settings: Settings;
  verifier: IdentityVerifier;
  loginUrl: (req: Request) => string;
}

/** A payout's id from its owner and their Idempotency-Key: the same request always names the same payout. */
export function payoutIdFor(userId: string, idempotencyKey: string): string {
  return `pyt_${createHash('sha256').update(`${userId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export function moneyOutRoutes(deps: MoneyOutDeps): Router {
  const router = Router();
  const user = requireUser(deps.verifier, deps.loginUrl);
  const ring = deps.settings.keys.field;
  const ledger = createLedger(deps.knex);
  const timings = deps.settings.moneyOut;
  const { taskQueue } = deps.settings;

  const startQuickReceive = (userId: string) =>
    deps.temporal.workflow.start('quickReceiveWorkflow', {
      taskQueue,
      workflowId: quickReceiveWorkflowId(userId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [
        { userId, verificationTimeoutMs: timings.verificationTimeoutMs, idleMs: timings.quickReceiveIdleMs } satisfies QuickReceiveInput,
      ],
    });

  // S601/S701: the party asks; the account fields are sealed here, before Temporal sees them.
  router.post('/api/quick-receive', user, async (req, res) => {
    const body = quickReceiveSchema.parse(req.body);
    const userId: string = res.locals.userId;
    const entry =
      body.accountNumber === undefined
        ? undefined
        : sealBankEntry(ring, deps.settings.secrets.hashSecret, {
            bankCode: body.bankCode!,
            accountNumber: body.accountNumber,
            holderName: body.holderName!,
            verificationCode: body.verificationCode!,
          });
    const request = { userId, role: body.role, entry };
    const updateId = updateIdFrom(req, res);
    // The idle run may end between our start and our update; then one fresh start does it.
    for (let attempt = 1; ; attempt += 1) {
      const handle = await startQuickReceive(userId);
      try {
        return void res.json(await sendUpdate(handle, requestQuickReceiveUpdate, { args: [request], updateId }));
      } catch (err) {
        if (attempt >= 2 || !isFinishedOrUnknownRun(err)) throw err;
      }
    }
  });

  router.get('/api/quick-receive', user, async (_req, res) => {
    const userId: string = res.locals.userId;
    const view = await deps.temporal.workflow
      .getHandle(quickReceiveWorkflowId(userId))
      .query(quickReceiveViewQuery)
      .catch((err) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (view && view.status !== 'code' && view.status !== 'idle') {
      if (view.status === 'verifying') return void res.json({ status: 'pending' });
      if (view.status === 'failed') return void res.json({ status: 'failed', reasonCode: view.reasonCode, reason: view.reason });
      return void res.json({ status: view.status });
    }
    // A code is only as good as its row: revocation happens outside the workflow.
    const live = await deps
      .knex('receiving_codes as c')
      .join('bank_accounts as a', 'a.id', 'c.bank_account_id')
      .where({ 'c.user_id': userId })
      .whereNull('c.revoked_at')
      .orderBy('c.created_at', 'desc')
      .select('c.code', 'c.role', 'a.account_masked');
    if (live.length === 0) return void res.json({ status: 'none' });
    res.json({
      status: 'code',
      receivingCode: live[0].code,
      accountMasked: live[0].account_masked,
      codes: live.map((r) => ({ role: r.role, receivingCode: r.code, accountMasked: r.account_masked })),
    });
  });

  router.post('/api/quick-receive/revoke', user, async (req, res) => {
    const body = revokeSchema.parse(req.body ?? {});
    const userId: string = res.locals.userId;
    res.json({ revoked: await revokeReceivingCodes(deps.knex, { userId, role: body.role, actor: `user:${userId}` }) });
  });

  // Wallet → verified bank account. Refusals we can see now (no account, short funds) write nothing.
  router.post('/api/payouts', user, async (req, res) => {
    const key = idempotencyKeyFrom(req, { required: true })!;
    const body = payoutSchema.parse(req.body);
    const userId: string = res.locals.userId;
    const payoutId = payoutIdFor(userId, key);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([body.amountMinor, body.currency]))
      .digest('hex');
    const existing = await deps.knex('payouts').where({ payout_id: payoutId }).first();
    if (existing && existing.request_fingerprint !== fingerprint) {
      throw new HttpProblem(409, 'idempotency-key-reuse', 'this Idempotency-Key was first used for a different payout');
    }
    if (!existing) {
      if (!(await activeReceivingAccount(deps.knex, userId))) {
        throw new HttpProblem(409, 'bank-account-required', 'register a verified bank account (quick receive) first');
      }
      const wallet = await ledger.lookupAccount(walletAccountId(userId, body.currency));
      const available = wallet ? ((await ledger.balance(wallet.id)).availableMinor ?? 0) : 0;
      if (wallet?.currency !== body.currency || available < body.amountMinor) {
        throw new HttpProblem(
          409,
          'insufficient-funds',
          `the wallet has ${available} available in ${wallet?.currency ?? body.currency}; asked for ${body.amountMinor} ${body.currency}`,
        );
      }
      await deps
        .knex('payouts')
        .insert({
          payout_id: payoutId,
          user_id: userId,
          request_fingerprint: fingerprint,
          amount_minor: body.amountMinor,
          currency: body.currency,
          state: 'requested',
        })
        .onConflict('payout_id')
        .ignore();
    }
    try {
      await deps.temporal.workflow.start('payoutWorkflow', {
        taskQueue,
        workflowId: payoutWorkflowId(payoutId),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            payoutId,
            userId,
            amountMinor: body.amountMinor,
            currency: body.currency,
            resultWaitMs: timings.payoutResultWaitMs,
          } satisfies PayoutWorkflowInput,
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // finished already: the row says how
    }
    const row = await deps.knex('payouts').where({ payout_id: payoutId }).first();
    res.status(existing ? 200 : 202).json(payoutBody(row));
  });

  router.get('/api/payouts/:id', user, async (req, res) => {
    const payoutId = String(req.params.id);
    if (!PAYOUT_ID_PATTERN.test(payoutId)) throw new HttpProblem(404, 'not-found', 'no such payout');
    const row = await deps.knex('payouts').where({ payout_id: payoutId, user_id: res.locals.userId }).first();
    if (!row) throw new HttpProblem(404, 'not-found', 'no such payout');
    res.json(payoutBody(row));
  });

  return router;
}

/** The read-model row as its owner sees it: the account only masked. */
function payoutBody(row: Record<string, any>) {
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
