import type { Knex } from 'knex';
import type { LinkDeps } from '../../links/create-link';
import type { LineAdapter } from '../adapter';
import type { EventContext, HandlerOutcome } from './context';
import { handleInboxEvent } from './dispatch';
import { claimEvents, completeEvent, scheduleRetry, type InboxEvent } from './inbox';
import { createResponder } from './respond';

/**
 * Works the inbox off: claims each user's oldest pending event (see claimEvents), handles it,
 * marks it processed; a failure is retried with exponential backoff and, after MAX_ATTEMPTS,
 * set aside (outcome gave_up, last_error kept) so one poisoned event cannot stall its user
 * forever. Stateless: every instance (one per api process) works from PostgreSQL alone, and a
 * crashed instance's leases expire and its events come back.
 */
export const INBOX_DEFAULTS = {
  /** Events handled at once (each of a different user). */
  concurrency: 16,
  /** How often an idle processor looks for work another api process stored or a retry made due. */
  pollIntervalMs: 200,
  /** Longer than any one event's handling (a Temporal update plus a LINE push with retries). */
  leaseMs: 60_000,
  maxAttempts: 8,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
};

export interface InboxProcessorDeps extends LinkDeps {
  knex: Knex;
  line: LineAdapter;
  options?: Partial<typeof INBOX_DEFAULTS>;
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
  const options = { ...INBOX_DEFAULTS, ...deps.options };
  const log = deps.log ?? ((line: string) => console.warn(line));
  const handle = deps.handle ?? handleInboxEvent;
  const ctx: EventContext = { ...deps, responder: createResponder(deps.line), log };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let claiming = false;
  let again = false;

  async function processOne(event: InboxEvent): Promise<void> {
    try {
      const outcome = await handle(ctx, event);
      await completeEvent(deps.knex, event.webhookEventId, outcome);
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (event.attempts >= options.maxAttempts) {
        log(`line inbox: ${event.webhookEventId} (${event.eventType}) gave up after ${event.attempts} attempts: ${message}`);
        await completeEvent(deps.knex, event.webhookEventId, 'gave_up', message);
      } else {
        const delay = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (event.attempts - 1));
        await scheduleRetry(deps.knex, event.webhookEventId, message, delay);
      }
    }
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
  void pump();

  return {
    wake: () => void pump(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (claiming || inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
        if (claiming) await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
