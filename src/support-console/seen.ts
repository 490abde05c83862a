import type { messagingApi } from '@line/bot-sdk';
import type { DealMessage } from '../chat/messages';
import { renderDealMessage, type Language } from '../line/render';

/**
 * A deal message as its recipient saw it in LINE: rendered again by the same renderer, in their
 * language, then read out of the Flex JSON in display order (texts, pictures, buttons, quick
 * replies) for the console and for the parties' chat record (src/deal/transcript.ts). Codes a
 * party had to keep to themselves are hidden from staff, and from the record too: it may be
 * screenshotted and shared.
 */
export interface SeenMessage {
  altText?: string;
  lines: string[];
  images: string[];
  buttons: string[];
  quickReplies: string[];
}

const HIDDEN = '••••••';

export function seenMessage(message: DealMessage, language: Language): SeenMessage {
  const shown = hideSecrets(message);
  const seen: SeenMessage = { lines: [], images: [], buttons: [], quickReplies: [] };
  for (const line of renderDealMessage(shown, language)) readMessage(line, seen);
  return seen;
}

function hideSecrets(message: DealMessage): DealMessage {
  if (message.kind === 'otp') return { ...message, otp: HIDDEN };
  if (message.kind === 'link_created') return { ...message, dynamicPassword: HIDDEN };
  if (message.kind === 'wallet_activation_request') return { ...message, verificationCode: HIDDEN };
  return message;
}

function readMessage(message: messagingApi.Message, seen: SeenMessage): void {
  if (message.type === 'text') seen.lines.push((message as messagingApi.TextMessage).text);
  if (message.type === 'flex') {
    seen.altText = (message as messagingApi.FlexMessage).altText;
    walk((message as messagingApi.FlexMessage).contents, seen);
  }
  for (const item of message.quickReply?.items ?? []) if (item.action?.label) seen.quickReplies.push(item.action.label);
}

function walk(node: unknown, seen: SeenMessage): void {
  if (Array.isArray(node)) return node.forEach((child) => walk(child, seen));
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (n.type === 'button') {
    const label = (n.action as { label?: string } | undefined)?.label;
    if (label) seen.buttons.push(label);
    return;
  }
  if (n.type === 'image' && typeof n.url === 'string') seen.images.push(n.url);
  if (n.type === 'text') {
    const text = textOf(n);
    if (text) seen.lines.push(text);
    return;
  }
  // A fact (label beside value) reads as one line.
  const children = n.contents;
  if (
    n.type === 'box' &&
    n.layout === 'horizontal' &&
    Array.isArray(children) &&
    children.every((c) => (c as { type?: string }).type === 'text')
  ) {
    seen.lines.push(children.map((c) => textOf(c as Record<string, unknown>)).join(': '));
    return;
  }
  for (const key of ['header', 'hero', 'body', 'footer', 'contents']) if (key in n) walk(n[key], seen);
}

function textOf(n: Record<string, unknown>): string {
  if (typeof n.text === 'string') return n.text;
  return Array.isArray(n.contents) ? (n.contents as { text?: string }[]).map((s) => s.text ?? '').join('') : '';
}
