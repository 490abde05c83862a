/**
 * What a processed event keeps: who, when, what kind, what came of it — not what was said.
 * The message shrinks to its id and type (its text, emojis, mentions, a location's address go),
 * and the reply token, spent or expired by then, goes too. Everything else (postback data we
 * produced, follow flags) stays, so the row still explains what the bot did.
 */
export function redactPayload(payload: object): Record<string, unknown> {
  const { replyToken: _spent, message, ...rest } = payload as Record<string, unknown>;
  if (message === null || typeof message !== 'object') return rest;
  const { id, type } = message as { id?: unknown; type?: unknown };
  return { ...rest, message: { id, type } };
}
