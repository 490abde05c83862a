import type { EventContext, EventHandler, HandlerOutcome } from './context';
import { handleDisputeMessage } from './dispute-evidence';
import { handleFollow, handleUnfollow } from './friendship';
import type { InboxEvent } from './inbox';
import { handlePostback } from './postbacks';
import { handleMessage } from './messages';

/** Which handler an event type gets; types we do not act on (join, unsend, beacon…) are ignored. */
const HANDLERS: Record<string, EventHandler> = {
  follow: handleFollow,
  unfollow: handleUnfollow,
  postback: handlePostback,
  // A dispute waiting for this user's reason or photos takes their message first (issue 11).
  message: async (ctx, event, userId) => (await handleDisputeMessage(ctx, event, userId)) ?? handleMessage(ctx, event, userId),
};

export async function handleInboxEvent(ctx: EventContext, event: InboxEvent): Promise<HandlerOutcome> {
  const handler = HANDLERS[event.eventType];
  const source = (event.payload as { source?: { type?: string; userId?: unknown } }).source;
  // Only 1:1 chats drive deals; in standby mode another channel owns the chat and we stay silent.
  if (!handler || source?.type !== 'user' || typeof source.userId !== 'string') return 'ignored';
  if ((event.payload as { mode?: string }).mode === 'standby') return 'ignored';
  return handler(ctx, event, source.userId);
}
