import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ChatPort } from '../../chat/port';
import { fieldKeyRingFromEnv } from '../../crypto';
import { evidenceImage, latestBuyerWords } from '../../deal/evidence';
import { orderWorkflowId, PAYMENT_CODE_PATTERN } from '../../domain/ids';
import { DEADLINE_EXTENSION_MAX_MS, extendDisputeDeadlineUpdate } from '../../../workflows/order-messages';
import { updateIdFrom } from '../idempotency';
import { sendUpdate } from '../updates';
import { TEXT_LIMITS } from '../../domain/limits';
import { askForEvidence, messageParty, NoSuchParty } from '../../support-console/actions';
import { readDealPage } from '../../support-console/deal-page';
import { QUEUE_NAMES, QueueInputError, queueQuerySchema, readQueue, type QueueName } from '../../support-console/queues';
import { searchConsole } from '../../support-console/search';
import { HttpProblem } from '../problem';
import { requireStaff, SUPPORT_ROLE_RANK, type StaffAuthenticator, type StaffMember } from '../staff-auth';
import { auditSupportAction, auditSupportView } from './support-audit';

/**
 * The desktop console's reads (queues as pages of a table, one search box, a deal's whole page,
 * a piece of evidence) and the two actions that talk to a party through LINE. Every read of
 * personal data is audited before it is answered; every action carries the agent's reason.
 */
const reason = z.string().trim().min(1).max(TEXT_LIMITS.staffNoteMaxChars);
const messageSchema = z
  .object({ to: z.enum(['buyer', 'seller']), text: z.string().trim().min(1).max(TEXT_LIMITS.staffNoteMaxChars), reason })
  .strict();
const evidenceRequestSchema = z
  .object({ from: z.enum(['buyer', 'seller']), note: z.string().trim().max(TEXT_LIMITS.staffNoteMaxChars).optional(), reason })
  .strict();
const HOUR_MS = 60 * 60 * 1000;
const deadlineSchema = z
  .object({
    extendByHours: z
      .number()
      .int()
      .min(1)
      .max(DEADLINE_EXTENSION_MAX_MS / HOUR_MS),
    reason,
  })
  .strict();
const searchSchema = z.object({ q: z.string().trim().min(1).max(100) }).strict();

export interface SupportConsoleDeps {
  knex: Knex;
  temporal: Client;
  chat: ChatPort;
  staffAuth: StaffAuthenticator;
  hashSecret: string;
  temporalUiUrl: string;
  namespace: string;
  disputeEscalationMs: number;
  phoneBindingPeriodMs: number;
}

export function supportConsoleRoutes(deps: SupportConsoleDeps): Router {
  const router = Router();
  const viewer = requireStaff(deps.staffAuth, 'viewer');
  const agent = requireStaff(deps.staffAuth, 'agent');
  const ring = fieldKeyRingFromEnv(process.env);
  const code = (raw: unknown) => {
    const value = String(raw);
    if (!PAYMENT_CODE_PATTERN.test(value)) throw new HttpProblem(404, 'not-found', 'no such deal');
    return value;
  };

  const queue = async (name: QueueName, req: Request, res: Response) => {
    let page;
    try {
      page = await readQueue(deps.knex, name, queueQuerySchema.parse(req.query), {
        now: new Date(),
        disputeEscalationMs: deps.disputeEscalationMs,
        phoneBindingPeriodMs: deps.phoneBindingPeriodMs,
      });
    } catch (err) {
      if (err instanceof QueueInputError) throw new HttpProblem(422, 'invalid-input', err.message);
      throw err;
    }
    // An open dispute's reason as the buyer gave it in the chat, when they did (sealed in dispute_evidence).
    if (name === 'disputes') {
      const words = await latestBuyerWords(
        deps.knex,
        ring,
        page.rows.map((r) => String(r.paymentCode)),
      );
      for (const row of page.rows) row.buyerSays = words.get(String(row.paymentCode)) ?? null;
    }
    await auditSupportView(deps.knex, res.locals.staff, `queue:${name}`, { page: page.page, rows: page.rows.length });
    res.json(page);
  };
  router.get('/api/support/console/queues/:queue', viewer, async (req, res) => {
    const name = String(req.params.queue) as QueueName;
    if (!QUEUE_NAMES.includes(name)) throw new HttpProblem(404, 'not-found', `no such queue; queues: ${QUEUE_NAMES.join(', ')}`);
    // The chat events name LINE users and what failed; as GET /api/support/line-events, agents only.
    const staff: StaffMember = res.locals.staff;
    if (name === 'line-events' && (staff.role === undefined || SUPPORT_ROLE_RANK[staff.role] < SUPPORT_ROLE_RANK.agent))
      throw new HttpProblem(403, 'forbidden', 'this needs the agent role');
    await queue(name, req, res);
  });

  router.get('/api/support/console/search', viewer, async (req, res) => {
    const { q } = searchSchema.parse(req.query);
    const result = await searchConsole(deps.knex, deps.hashSecret, q);
    // What was searched for may be a phone or an account: the audit names only what kind of key matched.
    await auditSupportView(deps.knex, res.locals.staff, 'search', {
      matched: result.matched,
      orders: result.orders.map((o) => o.paymentCode),
      users: result.users.map((u) => u.userId),
    });
    res.json(result);
  });

  router.get('/api/support/console/deals/:code', viewer, async (req, res) => {
    const paymentCode = code(req.params.code);
    const page = await readDealPage(
      { knex: deps.knex, temporal: deps.temporal, ring, temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace },
      paymentCode,
    );
    if (!page) throw new HttpProblem(404, 'not-found', 'no such deal');
    await auditSupportView(deps.knex, res.locals.staff, `order:${paymentCode}`, {
      parts: ['order', 'parties', 'timeline', 'messages', 'ledger', 'audit', 'evidence'],
    });
    res.json(page);
  });

  router.get('/api/support/console/deals/:code/evidence/:id', viewer, async (req, res) => {
    const paymentCode = code(req.params.code);
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new HttpProblem(404, 'not-found', 'no such evidence');
    const image = await evidenceImage(deps.knex, ring, paymentCode, id);
    if (!image) throw new HttpProblem(404, 'not-found', 'no such evidence');
    await auditSupportView(deps.knex, res.locals.staff, `order:${paymentCode}`, { evidence: id });
    res
      .set({ 'Content-Type': image.contentType, 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' })
      .send(image.bytes);
  });

  router.post('/api/support/console/deals/:code/messages', agent, async (req, res) => {
    const paymentCode = code(req.params.code);
    const body = messageSchema.parse(req.body);
    const staff: StaffMember = res.locals.staff;
    const { to } = await partyAction(() =>
      messageParty(
        { knex: deps.knex, chat: deps.chat },
        { paymentCode, role: body.to, text: body.text, staffId: staff.staffId, idempotencyKey: req.get('idempotency-key') },
      ),
    );
    await auditSupportAction(deps.knex, staff, 'support.party_messaged', `order:${paymentCode}`, {
      to: body.to,
      userId: to,
      text: body.text,
      reason: body.reason,
    });
    res.status(201).json({ sent: body.to });
  });

  // More time before an open dispute escalates; the workflow moves its own timer and answers the new deadline.
  router.post('/api/support/console/deals/:code/deadline', agent, async (req, res) => {
    const paymentCode = code(req.params.code);
    const body = deadlineSchema.parse(req.body);
    const staff: StaffMember = res.locals.staff;
    const { deadlineMs } = await sendUpdate(deps.temporal.workflow.getHandle(orderWorkflowId(paymentCode)), extendDisputeDeadlineUpdate, {
      args: [{ agentId: staff.staffId, extendByMs: body.extendByHours * HOUR_MS, reason: body.reason }],
      updateId: updateIdFrom(req, res),
    });
    await deps
      .knex('orders')
      .where({ payment_code: paymentCode, state: 'disputed' })
      .update({ dispute_deadline_at: new Date(deadlineMs) });
    await auditSupportAction(deps.knex, staff, 'support.deadline_extended', `order:${paymentCode}`, {
      extendByHours: body.extendByHours,
      deadline: new Date(deadlineMs).toISOString(),
      reason: body.reason,
    });
    res.json({ deadline: new Date(deadlineMs).toISOString() });
  });

  router.post('/api/support/console/deals/:code/evidence-requests', agent, async (req, res) => {
    const paymentCode = code(req.params.code);
    const body = evidenceRequestSchema.parse(req.body);
    const staff: StaffMember = res.locals.staff;
    const { to } = await partyAction(() =>
      askForEvidence(
        { knex: deps.knex, chat: deps.chat },
        { paymentCode, role: body.from, note: body.note, staffId: staff.staffId, idempotencyKey: req.get('idempotency-key') },
      ),
    );
    await auditSupportAction(deps.knex, staff, 'support.evidence_requested', `order:${paymentCode}`, {
      from: body.from,
      userId: to,
      note: body.note ?? null,
      reason: body.reason,
    });
    res.status(201).json({ asked: body.from });
  });

  return router;
}

async function partyAction<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NoSuchParty) throw new HttpProblem(409, 'no-such-party', err.message);
    throw err;
  }
}
