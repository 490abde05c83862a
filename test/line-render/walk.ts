import type { messagingApi } from '@line/bot-sdk';

type Json = Record<string, unknown>;

/** Every object anywhere inside a message, depth first. */
export function objectsIn(node: unknown): Json[] {
  if (Array.isArray(node)) return node.flatMap(objectsIn);
  if (!node || typeof node !== 'object') return [];
  return [node as Json, ...Object.values(node as Json).flatMap(objectsIn)];
}

export function actionsIn(message: messagingApi.Message): messagingApi.Action[] {
  return objectsIn(message)
    .flatMap((o) => [o.action, o.defaultAction])
    .filter((a): a is messagingApi.Action => !!a && typeof a === 'object');
}

/** All the words a user can see: altText or text, and every text component. */
export function visibleText(message: messagingApi.Message): string {
  const texts = objectsIn(message)
    .filter((o) => o.type === 'text' && typeof o.text === 'string')
    .map((o) => o.text as string);
  if (message.type === 'flex') texts.unshift(message.altText);
  return texts.join('\n');
}
