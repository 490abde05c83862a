import { Router, type Request } from 'express';
import { z } from 'zod';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { revokeReceivingCodes, sealBankEntry } from '../../bank-accounts';
import { bankCodeSchema, accountNumberSchema, holderNameSchema, verificationCodeSchema } from '../../bankcenter';
import type { Settings } from '../../config/settings';
import { quickReceiveWorkflowId } from '../../domain/ids';
import { payoutBody, payoutIdFor, requestWithdrawal } from '../../wallet/withdraw';
import { walletStatement } from '../../wallet/statement';
import { CURRENCIES, MAX_AMOUNT_MINOR } from '../../domain/money';
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

export { payoutIdFor };

export function moneyOutRoutes(deps: MoneyOutDeps): Router {
  const router = Router();
  const user = requireUser(deps.verifier, deps.loginUrl);
  const ring = deps.settings.keys.field;
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
    const result = await requestWithdrawal(deps, { userId: res.locals.userId, idempotencyKey: key, ...body });
    if (result.ok) return void res.status(result.created ? 202 : 200).json(result.payout);
    if (result.reason === 'idempotency_key_reuse')
      throw new HttpProblem(409, 'idempotency-key-reuse', 'this Idempotency-Key was first used for a different payout');
    if (result.reason === 'bank_account_required')
      throw new HttpProblem(409, 'bank-account-required', 'register a verified bank account (quick receive) first');
    throw new HttpProblem(
      409,
      'insufficient-funds',
      `the wallet has ${result.availableMinor} available in ${body.currency}; asked for ${body.amountMinor} ${body.currency}`,
      { availableMinor: result.availableMinor },
    );
  });

  router.get('/api/payouts/:id', user, async (req, res) => {
    const payoutId = String(req.params.id);
    if (!PAYOUT_ID_PATTERN.test(payoutId)) throw new HttpProblem(404, 'not-found', 'no such payout');
    const row = await deps.knex('payouts').where({ payout_id: payoutId, user_id: res.locals.userId }).first();
    if (!row) throw new HttpProblem(404, 'not-found', 'no such payout');
    res.json(payoutBody(row));
  });

  // The wallet page: balance per currency (available / held / withdrawing) and movements with their deals.
  router.get('/api/wallet/statement', user, async (_req, res) => {
    res.json(await walletStatement(deps.knex, res.locals.userId));
  });

  return router;
}
