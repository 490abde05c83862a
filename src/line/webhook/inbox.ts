import type { Knex } from 'knex';
import { z } from 'zod';
import type { webhook } from '@line/bot-sdk';
import type { FailureKind } from './failure';
import { redactPayload } from './redact';

/**
 * The durable inbox of LINE webhook events (table line_inbox, migration 0005). Writing is one
 * multi-row INSERT … ON CONFLICT DO NOTHING per delivery, so a redelivered or duplicated event
 * is dropped by the primary key. Claiming hands out, per user, only the oldest pending event,
 * so one user's events never overtake each other while different users run in parallel.
 */
export const WEBHOOK_EVENT_ID_MAX_CHARS = 64;

/** What we need to order and dedupe an event; everything else stays in the payload. */
const storableEventSchema = z
  .object({
    type: z.string().min(1).max(64),
    webhookEventId: z.string().min(1).max(WEBHOOK_EVENT_ID_MAX_CHARS),
    timestamp: z.number().int().nonnegative(),
    source: z
      .object({ type: z.string(), userId: z.string().optional(), groupId: z.string().optional(), roomId: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export interface InboxInsert {
  webhook_event_id: string;
  user_id: string;
  event_type: string;
  timestamp_ms: number;
  payload: string;
}

/** Events without a source (e.g. a failed accountLink) share one ordering lane. */
export const NO_SOURCE_LANE = '-';

export type ParsedEvent = { ok: true; row: InboxInsert } | { ok: false; reason: string };

export function toInboxRow(event: unknown): ParsedEvent {
  const parsed = storableEventSchema.safeParse(event);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ') };
  }
  const e = parsed.data;
  const lane = e.source?.userId ?? e.source?.groupId ?? e.source?.roomId ?? NO_SOURCE_LANE;
  return {
    ok: true,
    row: {
      webhook_event_id: e.webhookEventId,
      user_id: lane,
      event_type: e.type,
      timestamp_ms: e.timestamp,
      payload: JSON.stringify(event),
    },
  };
}

/** Stores new events (distinct ids); returns the ids that were new (the others were already there). */
export async function storeEvents(knex: Knex, rows: InboxInsert[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted: { webhook_event_id: string }[] = await knex('line_inbox')
    .insert(rows)
    .onConflict('webhook_event_id')
    .ignore()
    .returning('webhook_event_id');
  return new Set(inserted.map((r) => r.webhook_event_id));
}

export interface InboxEvent {
  webhookEventId: string;
  laneId: string;
  eventType: string;
  timestampMs: number;
  receivedAtMs: number;
  /** Claims so far, this one included (reset by a re-drive). */
  attempts: number;
  /** Failures of the event itself so far (transport failures are not counted). */
  failedAttempts: number;
  /** Where the retry horizon starts: the last re-drive, else the receipt. */
  retryFromMs: number;
  payload: webhook.Event;
  effect: Record<string, unknown> | null;
}

/** Claims are serialised by this transaction-scoped advisory lock (key: "line_inb" in ASCII). */
const CLAIM_LOCK_KEY = '0x6c696e655f696e62';

/**
 * Leases up to `limit` events: each the oldest pending event of its user, whose user has no
 * event in flight. The claim statements run one at a time (a short advisory lock), because two
 * concurrent claims could otherwise each see a different "oldest" event of the same user when
 * a late, older event arrives; SKIP LOCKED keeps a claim from waiting on rows being completed.
 */
export async function claimEvents(knex: Knex, limit: number, leaseMs: number): Promise<InboxEvent[]> {
  if (limit <= 0) return [];
  return knex.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(${CLAIM_LOCK_KEY}::bigint)`);
    const result = await trx.raw(
      `with claimable as (
         select i.webhook_event_id
           from line_inbox i
          where i.processed_at is null
            and i.available_at <= now()
            and (i.lease_until is null or i.lease_until < now())
            and not exists (
              select 1 from line_inbox e
               where e.user_id = i.user_id
                 and e.processed_at is null
                 and e.webhook_event_id <> i.webhook_event_id
                 and ((e.timestamp_ms, e.webhook_event_id) < (i.timestamp_ms, i.webhook_event_id) or e.lease_until >= now()))
          order by i.timestamp_ms, i.webhook_event_id
          limit ?
          for update of i skip locked)
       update line_inbox l
          set lease_until = now() + (? * interval '1 millisecond'), attempts = l.attempts + 1
         from claimable c
        where l.webhook_event_id = c.webhook_event_id
       returning l.*`,
      [limit, leaseMs],
    );
    return (result.rows as Record<string, any>[])
      .map((r) => ({
        webhookEventId: r.webhook_event_id,
        laneId: r.user_id,
        eventType: r.event_type,
        timestampMs: Number(r.timestamp_ms),
        receivedAtMs: new Date(r.received_at).getTime(),
        attempts: r.attempts,
        failedAttempts: r.failed_attempts,
        retryFromMs: new Date(r.retry_from ?? r.received_at).getTime(),
        payload: r.payload,
        effect: r.effect ?? null,
      }))
      .sort((a, b) => a.timestampMs - b.timestampMs);
  });
}

export type FinalOutcome = 'done' | 'ignored' | 'gave_up';

/**
 * Marks the event processed. A handled event (done, ignored) forgets what the user wrote; one set
 * aside (gave_up) keeps it whole, because a re-drive must handle it again.
 */
export async function completeEvent(knex: Knex, event: InboxEvent, outcome: FinalOutcome, failure?: Failure): Promise<void> {
  await knex('line_inbox')
    .where({ webhook_event_id: event.webhookEventId })
    .update({
      processed_at: knex.fn.now(),
      lease_until: null,
      outcome,
      ...(outcome === 'gave_up' ? {} : { payload: JSON.stringify(redactPayload(event.payload)) }),
      ...(failure !== undefined ? { last_error: failure.error, last_failure_kind: failure.kind } : {}),
      ...(failure?.kind === 'event' ? { failed_attempts: knex.raw('failed_attempts + 1') } : {}),
    });
}

/** The last failure of an event: the error and whether it was transport or the event's own (failure.ts). */
export interface Failure {
  error: string;
  kind: FailureKind;
}

/** Puts the event back for a later claim; `counted` when the failure was the event's own. */
export async function scheduleRetry(
  knex: Knex,
  webhookEventId: string,
  failure: Failure,
  delayMs: number,
  counted: boolean,
): Promise<void> {
  await knex('line_inbox')
    .where({ webhook_event_id: webhookEventId })
    .update({
      lease_until: null,
      last_error: failure.error,
      last_failure_kind: failure.kind,
      available_at: knex.raw(`now() + (? * interval '1 millisecond')`, [delayMs]),
      ...(counted ? { failed_attempts: knex.raw('failed_attempts + 1') } : {}),
    });
}

/** Remembers what a non-idempotent step did, before anything that might fail after it. */
export async function recordEffect(knex: Knex, webhookEventId: string, effect: Record<string, unknown>): Promise<void> {
  await knex('line_inbox')
    .where({ webhook_event_id: webhookEventId })
    .update({ effect: JSON.stringify(effect) });
}
