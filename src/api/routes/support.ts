import { Router, type Request } from 'express';
import { TEXT_LIMITS } from '../../domain/limits';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { appendAudit } from '../../audit';
import { clearPhoneBindings } from '../../phone';
import { orderWorkflowId, PAYMENT_CODE_PATTERN, walletActivationWorkflowId } from '../../domain/ids';
import { orderViewQuery, resolveDisputeUpdate } from '../../../workflows/order-messages';
import { unlockWalletUpdate } from '../../../workflows/wallet-activation-messages';
import { sendUpdate } from '../updates';
import { updateIdFrom } from '../idempotency';
import { HttpProblem } from '../problem';
import { requireStaff, type StaffAuthenticator, type StaffMember } from '../staff-auth';
import { LINE_USER_ID_PATTERN, paramPattern } from '../input-guards';
import { auditSupportAction, auditSupportView } from './support-audit';

/** Support staff: the dispute queue, resolutions (release / refund / split), clearing abnormal bindings, unlocking wallets. */
const resolutionSchema = z
  .object({
    resolution: z.enum(['release', 'refund', 'split']),
    sellerAmountMinor: z.number().int().nonnegative(),
    buyerAmountMinor: z.number().int().nonnegative(),
    note: z.string().max(TEXT_LIMITS.staffNoteMaxChars).optional(),
  })
  .strict();

/** Why a person acts (the console always sends one). A call without a body predates it; a body must carry a reason. */
const reasonSchema = z.object({ reason: z.string().trim().min(1).max(TEXT_LIMITS.staffNoteMaxChars) }).strict();
const reasonOf = (req: Request): string | undefined => (sentBody(req) ? reasonSchema.parse(req.body ?? null).reason : undefined);
/** Whatever its type: a body JSON did not parse (another content type) is still a body without a reason. */
const sentBody = (req: Request) => Number(req.get('content-length') ?? '0') > 0 || req.get('transfer-encoding') !== undefined;

export function supportRoutes(deps: { knex: Knex; temporal: Client; staffAuth: StaffAuthenticator }): Router {
  const router = Router();
  const viewer = requireStaff(deps.staffAuth, 'viewer');
  const agent = requireStaff(deps.staffAuth, 'agent');
  const knownUser = paramPattern('userId', LINE_USER_ID_PATTERN, 'user');

  router.get('/api/support/disputes', viewer, async (_req, res) => {
    const rows = await deps
      .knex('orders')
      .where({ state: 'disputed' })
      .orderBy('updated_at', 'asc')
      .limit(200)
      .select('payment_code', 'seller_id', 'buyer_id', 'total_minor', 'currency', 'product_name', 'dispute_reason', 'updated_at');
    await auditSupportView(deps.knex, res.locals.staff, 'queue:disputes', { orders: rows.map((r) => r.payment_code) });
    res.json({ disputes: rows });
  });

  router.get('/api/support/orders/:code', viewer, async (req, res) => {
    const code = String(req.params.code);
    if (!PAYMENT_CODE_PATTERN.test(code)) throw new HttpProblem(404, 'not-found', 'no such order');
    const view = await deps.temporal.workflow.getHandle(orderWorkflowId(code)).query(orderViewQuery);
    const messages = await deps
      .knex('chat_deliveries')
      .where('retry_key', 'like', `${orderWorkflowId(code)}:%`)
      .orderBy('sent_at')
      .select('to_user_id', 'kind', 'sent_at');
    await auditSupportView(deps.knex, res.locals.staff, `order:${code}`, { parts: ['order', 'messages'] });
    res.json({ order: view, messages });
  });

  router.post('/api/support/orders/:code/resolution', agent, async (req, res) => {
    const code = String(req.params.code);
    if (!PAYMENT_CODE_PATTERN.test(code)) throw new HttpProblem(404, 'not-found', 'no such order');
    const body = resolutionSchema.parse(req.body);
    const updateId = updateIdFrom(req, res);
    const staff: StaffMember = res.locals.staff;
    const outcome = await sendUpdate(deps.temporal.workflow.getHandle(orderWorkflowId(code)), resolveDisputeUpdate, {
      args: [{ agentId: staff.staffId, ...body }],
      updateId,
    });
    // The settlement that follows is audited by the deal; this records who decided it, and why.
    await auditSupportAction(deps.knex, staff, 'support.dispute_resolved', `order:${code}`, { ...body, note: body.note ?? null });
    res.json(outcome);
  });

  // S407: support verified the buyer; their open phone bindings stop counting as abnormal.
  router.post('/api/support/users/:userId/phone-bindings/clear', agent, knownUser, async (req, res) => {
    const staff: StaffMember = res.locals.staff;
    const reason = reasonOf(req);
    // Someone we have never seen has nothing to clear: say so rather than "cleared 0".
    if (
      !(await deps
        .knex('users')
        .where({ user_id: String(req.params.userId) })
        .first('user_id'))
    )
      throw new HttpProblem(404, 'not-found', 'no such user');
    const cleared = await clearPhoneBindings(deps.knex, { userId: String(req.params.userId), actor: `support:${staff.staffId}`, reason });
    res.json({ cleared });
  });

  // S309: support ends a wallet lockout early (the user proved who they are another way).
  router.post('/api/support/users/:userId/wallet/unlock', agent, knownUser, async (req, res) => {
    const userId = String(req.params.userId);
    const staff: StaffMember = res.locals.staff;
    // `{}` stays accepted here (callers before the console sent it); a reason, when given, is checked.
    const reason = req.body && typeof req.body === 'object' && Object.keys(req.body).length === 0 ? undefined : reasonOf(req);
    const updateId = updateIdFrom(req, res);
    const wallet = await deps.knex('wallets').where({ user_id: userId }).first('state');
    if (!wallet) throw new HttpProblem(404, 'not-found', 'this user has no wallet');
    if (wallet.state !== 'locked') throw new HttpProblem(409, 'not-locked', `the wallet is ${wallet.state}, not locked`);
    const view = await sendUpdate(deps.temporal.workflow.getHandle(walletActivationWorkflowId(userId)), unlockWalletUpdate, {
      args: [{ staffId: staff.staffId }],
      updateId,
    });
    await appendAudit(deps.knex, {
      actor: `support:${staff.staffId}`,
      action: 'wallet.unlocked',
      subject: `user:${userId}`,
      details: { lockouts: view.lockouts, ...(reason ? { reason } : {}) },
    });
    res.json({ state: view.state, attemptsLeft: view.attemptsLeft, lockouts: view.lockouts });
  });

  return router;
}
