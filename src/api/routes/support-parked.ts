import { Router } from 'express';
import { TEXT_LIMITS } from '../../domain/limits';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { orderWorkflowId, PAYMENT_CODE_PATTERN } from '../../domain/ids';
import { resolveParkedUpdate } from '../../../workflows/order-messages';
import { sendUpdate } from '../updates';
import { HttpProblem } from '../problem';
import { requireStaff, type StaffAuthenticator, type StaffMember } from '../staff-auth';
import { auditSupportView } from './support-audit';

/**
 * Parked deals: a money step was refused or did not add up, so the deal waits for a person with
 * its money untouched. Support sees the queue and decides (retry the step, or refund the buyer).
 */
const parkedResolutionSchema = z
  .object({
    action: z.enum(['retry', 'refund']),
    note: z.string().trim().min(1).max(TEXT_LIMITS.staffNoteMaxChars),
  })
  .strict();

export function supportParkedRoutes(deps: { knex: Knex; temporal: Client; staffAuth: StaffAuthenticator }): Router {
  const router = Router();
  const viewer = requireStaff(deps.staffAuth, 'viewer');
  const agent = requireStaff(deps.staffAuth, 'agent');

  router.get('/api/support/parked', viewer, async (_req, res) => {
    const rows = await deps
      .knex('orders')
      .where({ state: 'parked' })
      .orderBy('updated_at', 'asc')
      .limit(200)
      .select('payment_code', 'park_reason', 'park_detail', 'total_minor', 'currency', 'product_name', 'updated_at');
    await auditSupportView(deps.knex, res.locals.staff, 'queue:parked', { orders: rows.map((r) => r.payment_code) });
    res.json({ parked: rows });
  });

  router.post('/api/support/orders/:code/parked-resolution', agent, async (req, res) => {
    const code = String(req.params.code);
    if (!PAYMENT_CODE_PATTERN.test(code)) throw new HttpProblem(404, 'not-found', 'no such order');
    const body = parkedResolutionSchema.parse(req.body);
    const staff: StaffMember = res.locals.staff;
    const key = req.get('idempotency-key');
    res.json(
      await sendUpdate(deps.temporal.workflow.getHandle(orderWorkflowId(code)), resolveParkedUpdate, {
        args: [{ agentId: staff.staffId, action: body.action, note: body.note }],
        updateId: key ? `parked:${staff.staffId}:${key}` : undefined,
      }),
    );
  });

  return router;
}
