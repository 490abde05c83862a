import { Router } from 'express';
import { TEXT_LIMITS } from '../../domain/limits';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { NormaliseError } from '../../crypto';
import { payoutWorkflowId } from '../../domain/ids';
import { addEntry, removeEntry, WATCHLIST_KEY_TYPES, WATCHLIST_SOURCES } from '../../watchlist';
import { decideHeldPayoutUpdate } from '../../../workflows/payout-messages';
import { HttpProblem } from '../problem';
import { sendUpdate } from '../updates';
import { updateIdFrom } from '../idempotency';
import { requireStaff, type StaffAuthenticator, type StaffMember } from '../staff-auth';
import { PAYOUT_ID_PATTERN } from './money-out';
import { auditSupportView } from './support-audit';

/**
 * Support staff and trust: watch-list edits and the held-payout queue. Every change is written
 * to the audit trail under `support:<staffId>` - watch-list edits by src/watchlist in the same
 * transaction, payout decisions by the payout workflow with the row change they cause.
 */
const PAYOUT_LIST_MAX_ROWS = 200;
const PAYOUT_STATES = ['requested', 'held', 'sending', 'paid', 'failed', 'refused', 'rejected'] as const;
const REASON_MAX_CHARS = 500;
const NOTE_MAX_CHARS = 2000;

const entrySchema = z
  .object({
    keyType: z.enum(WATCHLIST_KEY_TYPES),
    value: z.string().trim().min(1).max(TEXT_LIMITS.watchlistValueMaxChars),
    reason: z.string().trim().min(1).max(REASON_MAX_CHARS),
    source: z.enum(WATCHLIST_SOURCES).optional(),
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
const removalSchema = z.object({ reason: z.string().trim().min(1).max(REASON_MAX_CHARS) }).strict();
const decisionSchema = z.object({ note: z.string().trim().max(NOTE_MAX_CHARS).optional() }).strict();

export function supportTrustRoutes(deps: { knex: Knex; temporal: Client; staffAuth: StaffAuthenticator; hashSecret: string }): Router {
  const router = Router();
  const viewer = requireStaff(deps.staffAuth, 'viewer');
  const agent = requireStaff(deps.staffAuth, 'agent');
  const actor = (staff: StaffMember) => `support:${staff.staffId}`;

  router.post('/api/support/watchlist', agent, async (req, res) => {
    const body = entrySchema.parse(req.body);
    try {
      const { id } = await addEntry(deps.knex, {
        hashSecret: deps.hashSecret,
        keyType: body.keyType,
        value: body.value,
        reason: body.reason,
        source: body.source,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        actor: actor(res.locals.staff),
      });
      res.status(201).json({ id });
    } catch (err) {
      if (err instanceof NormaliseError) throw new HttpProblem(422, 'invalid-key-value', err.message);
      throw err;
    }
  });

  // A reason is required: removing someone from the list is the edit most worth explaining later.
  router.delete('/api/support/watchlist/:id', agent, async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new HttpProblem(404, 'not-found', 'no such watch-list entry');
    const body = removalSchema.parse(req.body ?? {});
    const removed = await removeEntry(deps.knex, { id, actor: actor(res.locals.staff), reason: body.reason });
    if (!removed) throw new HttpProblem(404, 'not-found', 'no such active watch-list entry');
    res.status(204).end();
  });

  router.get('/api/support/payouts', viewer, async (req, res) => {
    const state = req.query.state === undefined ? 'held' : String(req.query.state);
    if (!(PAYOUT_STATES as readonly string[]).includes(state))
      throw new HttpProblem(422, 'invalid-input', `state must be one of ${PAYOUT_STATES.join(', ')}`);
    const rows = await deps
      .knex('payouts')
      .where({ state })
      .orderBy('updated_at', 'asc')
      .limit(PAYOUT_LIST_MAX_ROWS)
      .select(
        'payout_id',
        'user_id',
        'amount_minor',
        'currency',
        'account_masked',
        'state',
        'hold_reasons',
        'release_approvals',
        'decided_by',
        'created_at',
        'updated_at',
      );
    await auditSupportView(deps.knex, res.locals.staff, `queue:payouts:${state}`, { payouts: rows.map((r) => r.payout_id) });
    res.json({ payouts: rows.map((r) => ({ ...r, amount_minor: Number(r.amount_minor) })) });
  });

  for (const decision of ['release', 'reject'] as const) {
    router.post(`/api/support/payouts/:id/${decision}`, agent, async (req, res) => {
      const payoutId = String(req.params.id);
      if (!PAYOUT_ID_PATTERN.test(payoutId)) throw new HttpProblem(404, 'not-found', 'no such payout');
      const updateId = updateIdFrom(req, res);
      const body = decisionSchema.parse(req.body ?? {});
      const row = await deps.knex('payouts').where({ payout_id: payoutId }).first('state');
      if (!row) throw new HttpProblem(404, 'not-found', 'no such payout');
      if (row.state !== 'held')
        throw new HttpProblem(409, 'not-held', `the payout is ${row.state}; only a held payout can be released or rejected`);
      const staff: StaffMember = res.locals.staff;
      const outcome = await sendUpdate(deps.temporal.workflow.getHandle(payoutWorkflowId(payoutId)), decideHeldPayoutUpdate, {
        args: [{ agentId: staff.staffId, decision, note: body.note }],
        updateId,
      });
      res.json(outcome);
    });
  }

  return router;
}
