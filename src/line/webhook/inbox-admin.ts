import type { Knex } from 'knex';
import { appendAudit } from '../../audit';

/**
 * What operators see of the inbox and what they may do to it: list events by status (above all
 * the ones set aside as gave_up) and re-drive them: back to pending with a fresh budget (no
 * failures counted, the retry horizon starting now), each re-drive in the audit log. Listings
 * never show what a user wrote: ids, type, user, times, counts and the last error only.
 */
export const INBOX_STATUSES = ['pending', 'done', 'ignored', 'gave_up'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];
export const LIST_LIMIT_MAX = 500;

export interface InboxEventSummary {
  webhookEventId: string;
  eventType: string;
  userId: string;
  status: InboxStatus;
  attempts: number;
  failedAttempts: number;
  lastError: string | null;
  lastFailureKind: string | null;
  eventAt: string;
  receivedAt: string;
  processedAt: string | null;
}

export async function listInboxEvents(knex: Knex, status: InboxStatus, limit = 100): Promise<InboxEventSummary[]> {
  const query = knex('line_inbox');
  if (status === 'pending') query.whereNull('processed_at').orderBy('received_at', 'asc');
  else query.where({ outcome: status }).whereNotNull('processed_at').orderBy('processed_at', 'desc');
  const rows = await query
    .limit(Math.min(Math.max(1, limit), LIST_LIMIT_MAX))
    .select(
      'webhook_event_id',
      'event_type',
      'user_id',
      'outcome',
      'attempts',
      'failed_attempts',
      'last_error',
      'last_failure_kind',
      'timestamp_ms',
      'received_at',
      'processed_at',
    );
  return rows.map((r) => ({
    webhookEventId: r.webhook_event_id,
    eventType: r.event_type,
    userId: r.user_id,
    status: r.processed_at === null ? 'pending' : r.outcome,
    attempts: r.attempts,
    failedAttempts: r.failed_attempts,
    lastError: r.last_error,
    lastFailureKind: r.last_failure_kind,
    eventAt: new Date(Number(r.timestamp_ms)).toISOString(),
    receivedAt: new Date(r.received_at).toISOString(),
    processedAt: r.processed_at === null ? null : new Date(r.processed_at).toISOString(),
  }));
}

export type RedriveTarget = { eventIds: string[] } | { allGaveUp: true };

export interface RedriveResult {
  /** Events put back to pending. */
  redriven: string[];
  /** Asked-for ids that were not gave_up (unknown, pending or handled): left alone. */
  skipped: string[];
}

/**
 * Puts gave_up events back to pending in one transaction with their audit entries, so an event
 * is never re-driven without a record nor recorded without being re-driven. The processor picks
 * them up at its next poll, each before its user's later events.
 */
/** `reason`: why a person re-drives (the support console asks for one); kept in each audit entry. */
export async function redriveEvents(knex: Knex, target: RedriveTarget, actor: string, reason?: string): Promise<RedriveResult> {
  return knex.transaction(async (trx) => {
    const query = trx('line_inbox').where({ outcome: 'gave_up' }).whereNotNull('processed_at');
    if ('eventIds' in target) query.whereIn('webhook_event_id', target.eventIds);
    const rows: {
      webhook_event_id: string;
      event_type: string;
      user_id: string;
      last_error: string | null;
      last_failure_kind: string | null;
    }[] = await query
      .update({
        processed_at: null,
        outcome: null,
        lease_until: null,
        attempts: 0,
        failed_attempts: 0,
        retry_from: trx.fn.now(),
        available_at: trx.fn.now(),
      })
      .returning(['webhook_event_id', 'event_type', 'user_id', 'last_error', 'last_failure_kind']);
    for (const row of rows) {
      await appendAudit(trx, {
        actor,
        action: 'line_inbox.redriven',
        subject: `line-event:${row.webhook_event_id}`,
        details: {
          eventType: row.event_type,
          userId: row.user_id,
          lastError: row.last_error,
          lastFailureKind: row.last_failure_kind,
          ...(reason ? { reason } : {}),
        },
      });
    }
    const redriven = rows.map((r) => r.webhook_event_id);
    const skipped = 'eventIds' in target ? target.eventIds.filter((id) => !redriven.includes(id)) : [];
    return { redriven, skipped };
  });
}
