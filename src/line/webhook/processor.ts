import type { Knex } from 'knex';
import type { LinkDeps } from '../../links/create-link';
import type { LineAdapter } from '../adapter';
import type { EventContext, HandlerOutcome } from './context';
import { handleInboxEvent } from './dispatch';
import type { Settings } from '../../config/settings';
import { describeFailure, failureKind, type FailureKind } from './failure';
import { claimEvents, completeEvent, scheduleRetry, type InboxEvent } from './inbox';
import { pruneProcessed } from './retention';
import { createResponder } from './respond';
import { logger } from '../../observability/logger';

const inboxLog = logger('line-inbox');

/**
 * Works the inbox off: claims each user's oldest pending event (see claimEvents), handles it,
 * marks it processed. A failure is retried with capped exponential backoff; how long depends on
 * why it failed (failure.ts): a transport failure (Temporal, PostgreSQL or LINE down) until the
 * event is older than the retry horizon, because a buyer's tap acknowledged to LINE must not be
 * lost to our own outage; a failure of the event itself (bad data, a bug) only `maxAttempts`
 * times, then it is set aside (outcome gave_up, last_error kept, listed and re-driven by
 * inbox-admin.ts) so one poisoned event cannot stall its user forever. Stateless: every instance
 * (one per api process) works from PostgreSQL alone, and a crashed instance's leases expire and
 * its events come back. Every instance also deletes processed rows past the retention period.
 */
export const INBOX_DEFAULTS = {
  /** Events handled at once (each of a different user). */
  concurrency: 16,
  /** How often an idle processor looks for work another api process stored or a retry made due. */
  pollIntervalMs: 200,
  /** Longer than any one event's handling (a Temporal update plus a LINE push with retries). */
  leaseMs: 60_000,
  /** Tries for an event that fails for a reason of its own (transport failures are not counted). */
  maxAttempts: 5,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  /** Transport failures are retried until the event is this old (LINE_INBOX_RETRY_HORIZON_MS). */
  retryHorizonMs: 7 * 24 * 60 * 60_000,
  /** Processed rows are deleted this long after processing (LINE_INBOX_RETENTION_MS). */
  retentionMs: 30 * 24 * 60 * 60_000,
  /** How often the retention sweep runs. */
  pruneIntervalMs: 60 * 60_000,
};

export type InboxOptions = typeof INBOX_DEFAULTS;

/** The settings' part of the options (LINE_INBOX_*); tests pass options directly. */
export function inboxOptionsFrom(settings: Settings | undefined): Partial<InboxOptions> {
  const inbox = settings?.lineInbox;
  if (!inbox) return {};
  return {
    retryHorizonMs: inbox.retryHorizonMs,
    retryMaxMs: inbox.retryMaxMs,
    maxAttempts: inbox.maxFailedAttempts,
    retentionMs: inbox.retentionMs,
  };
}

/** What to do after a failed attempt. */
export type RetryDecision = { retry: true; delayMs: number; counted: boolean } | { retry: false; reason: string };

export function decideRetry(
  options: InboxOptions,
  event: InboxEvent,
  kind: FailureKind,
  nowMs: number,
  random = Math.random,
): RetryDecision {
  if (kind === 'event') {
    const failed = event.failedAttempts + 1;
    if (failed >= options.maxAttempts) return { retry: false, reason: `failed ${failed} times` };
    return { retry: true, delayMs: Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (failed - 1)), counted: true };
  }
  if (nowMs - event.retryFromMs >= options.retryHorizonMs) {
    return { retry: false, reason: `transport failures for longer than the retry horizon (${options.retryHorizonMs} ms)` };
  }
  const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(30, event.attempts - 1));
  // Jitter: after an outage, every user's pending event must not come back in the same instant.
  return { retry: true, delayMs: Math.round(ceiling / 2 + random() * (ceiling / 2)), counted: false };
}

export interface InboxProcessorDeps extends LinkDeps {
  knex: Knex;
  line: LineAdapter;
  options?: Partial<InboxOptions>;
  log?: (line: string) => void;
  /** Replaces the handler (tests of ordering and retry); the default is handleInboxEvent. */
  handle?: (ctx: EventContext, event: InboxEvent) => Promise<HandlerOutcome>;
}

export interface InboxProcessor {
  /** Look for work now (the webhook calls it after storing events). */
  wake(): void;
  /** Stops claiming and waits for events in flight. */
  stop(): Promise<void>;
}

export function startInboxProcessor(deps: InboxProcessorDeps): InboxProcessor {
  const options: InboxOptions = { ...INBOX_DEFAULTS, ...inboxOptionsFrom(deps.settings), ...deps.options };
  const log = deps.log ?? ((line: string) => inboxLog.warn(line));
  const handle = deps.handle ?? handleInboxEvent;
  const ctx: EventContext = { ...deps, responder: createResponder(deps.line), log };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let claiming = false;
  let again = false;

  async function processOne(event: InboxEvent): Promise<void> {
    try {
      const outcome = await handle(ctx, event);
      await completeEvent(deps.knex, event, outcome);
    } catch (err) {
      const message = describeFailure(err);
      const kind = failureKind(err);
      const decision = decideRetry(options, event, kind, Date.now());
      if (!decision.retry) {
        log(
          `line inbox: ${event.webhookEventId} (${event.eventType}) gave up after ${event.attempts} attempts, ${decision.reason}: ${message}`,
        );
        await completeEvent(deps.knex, event, 'gave_up', { error: message, kind });
        return;
      }
      // A long outage would otherwise log every retry of every waiting event.
      if (kind === 'transport' && (event.attempts & (event.attempts - 1)) === 0) {
        log(`line inbox: ${event.webhookEventId} (${event.eventType}) attempt ${event.attempts} failed on transport, retrying: ${message}`);
      }
      await scheduleRetry(deps.knex, event.webhookEventId, { error: message, kind }, decision.delayMs, decision.counted);
    }
  }

  let pruning: Promise<void> = Promise.resolve();
  function prune(): void {
    pruning = pruning.then(() =>
      pruneProcessed(deps.knex, options.retentionMs).then(
        () => undefined,
        (err) => log(`line inbox: retention sweep failed: ${(err as Error).message}`),
      ),
    );
  }

  async function pump(): Promise<void> {
    if (stopped) return;
    // One claim at a time per process; a wake during a claim runs one more round after it.
    if (claiming) return void (again = true);
    claiming = true;
    try {
      do {
        again = false;
        const free = options.concurrency - inFlight.size;
        const events = free > 0 ? await claimEvents(deps.knex, free, options.leaseMs) : [];
        for (const event of events) {
          const running: Promise<void> = processOne(event)
            .catch((err) => log(`line inbox: could not record the outcome of ${event.webhookEventId}: ${(err as Error).message}`))
            .finally(() => {
              inFlight.delete(running);
              void pump(); // the user's next event may be waiting for this one
            });
          inFlight.add(running);
        }
        if (events.length === free && free > 0) again = true;
      } while (again && !stopped);
    } catch (err) {
      log(`line inbox: claim failed: ${(err as Error).message}`);
    } finally {
      claiming = false;
    }
  }

  const timer = setInterval(() => void pump(), options.pollIntervalMs);
  timer.unref();
  const pruneTimer = setInterval(prune, options.pruneIntervalMs);
  pruneTimer.unref();
  void pump();
  prune();

  return {
    wake: () => void pump(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(pruneTimer);
      await pruning;
      while (claiming || inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
        if (claiming) await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
