import type { Knex } from 'knex';
import type { LinkDeps } from '../../links/create-link';
import type { LineAdapter } from '../adapter';
import type { InboxEvent } from './inbox';
import type { Responder } from './respond';

/** What handling one inbox event may touch. */
export interface EventContext extends LinkDeps {
  knex: Knex;
  line: LineAdapter;
  responder: Responder;
  log: (line: string) => void;
}

/** done: the event had its effect; ignored: nothing to do for it (unknown type, standby, bad postback). */
export type HandlerOutcome = 'done' | 'ignored';

export type EventHandler = (ctx: EventContext, event: InboxEvent, userId: string) => Promise<HandlerOutcome>;
