import { Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { INBOX_STATUSES, LIST_LIMIT_MAX, listInboxEvents, redriveEvents } from '../../line/webhook/inbox-admin';
import { HttpProblem } from '../problem';
import { requireStaff, type StaffAuthenticator, type StaffMember } from '../staff-auth';
import { auditSupportView } from './support-audit';

/**
 * Support staff and the LINE inbox: which chat events were set aside (gave_up) and why, and a
 * re-drive that puts one back to pending (audited under support:<staffId>). Agent role for
 * both: the listing names LINE users, which a viewer does not need.
 */
const listQuery = z
  .object({
    status: z.enum(INBOX_STATUSES).default('gave_up'),
    limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(100),
  })
  .strict();
/** LINE's webhookEventId is a ULID; the inbox takes up to 64 characters of this alphabet. */
const EVENT_ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;

/** A call without a body predates the console's reasons; a body must carry one. */
const redriveSchema = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();

export function supportLineRoutes(deps: { knex: Knex; staffAuth: StaffAuthenticator }): Router {
  const router = Router();
  const agent = requireStaff(deps.staffAuth, 'agent');

  router.get('/api/support/line-events', agent, async (req, res) => {
    const query = listQuery.parse(req.query);
    const events = await listInboxEvents(deps.knex, query.status, query.limit);
    await auditSupportView(deps.knex, res.locals.staff, `queue:line-events:${query.status}`, { events: events.length });
    res.json({ events });
  });

  router.post('/api/support/line-events/:id/redrive', agent, async (req, res) => {
    const id = String(req.params.id);
    if (!EVENT_ID_PATTERN.test(id)) throw new HttpProblem(404, 'not-found', 'no such event');
    const staff: StaffMember = res.locals.staff;
    const sent = Number(req.get('content-length') ?? '0') > 0 || req.get('transfer-encoding') !== undefined;
    const reason = sent ? redriveSchema.parse(req.body ?? null).reason : undefined;
    const result = await redriveEvents(deps.knex, { eventIds: [id] }, `support:${staff.staffId}`, reason);
    if (result.redriven.length === 0)
      throw new HttpProblem(409, 'not-gave-up', 'only an event that gave up can be re-driven (unknown, pending or handled)');
    res.json({ redriven: id });
  });

  return router;
}
