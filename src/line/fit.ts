import type { messagingApi } from '@line/bot-sdk';
import { LineMessageUnfittable } from './errors';
import {
  ACTION_LABEL_MAX_CHARS,
  FLEX_ALT_TEXT_MAX_CHARS,
  FLEX_BUBBLE_MAX_BYTES,
  FLEX_CAROUSEL_MAX_BUBBLES,
  FLEX_CAROUSEL_MAX_BYTES,
  MESSAGES_PER_REQUEST_MAX,
  POSTBACK_DATA_MAX_CHARS,
  QUICK_REPLY_MAX_ITEMS,
  TEMPLATE_ALT_TEXT_MAX_CHARS,
  TEXT_MAX_CHARS,
  URI_ACTION_MAX_CHARS,
  URI_ACTION_SCHEMES,
  jsonBytes,
} from './limits';
import { splitText, truncateText } from './text-fit';

type Message = messagingApi.Message;
type FlexBubble = messagingApi.FlexBubble;
type Json = Record<string, unknown>;

/**
 * Makes messages acceptable to LINE before they leave, so LINE never refuses what we built.
 * Cosmetic text (altText, labels, display text) is shortened; content that can be kept whole is
 * split (long texts into several texts, big carousels into several carousels, more than five
 * messages into several requests). What cannot be changed without changing behaviour — postback
 * data, a uri with a forbidden scheme, too many quick-reply buttons, an oversized single bubble —
 * throws LineMessageUnfittable: that is a bug in the caller, and silently altering it would be worse.
 *
 * Returns the requests to send, in order, each holding 1..5 messages.
 */
export function fitMessages(messages: readonly Message[]): Message[][] {
  const fitted = messages.flatMap((message, index) => fitOne(structuredClone(message), `messages[${index}]`));
  const batches: Message[][] = [];
  for (let i = 0; i < fitted.length; i += MESSAGES_PER_REQUEST_MAX) {
    batches.push(fitted.slice(i, i + MESSAGES_PER_REQUEST_MAX));
  }
  return batches;
}

function fitOne(message: Message, path: string): Message[] {
  fitActions(message, path);
  checkQuickReply(message, path);
  switch (message.type) {
    case 'text':
      return splitTextMessage(message);
    case 'flex':
      message.altText = truncateText(message.altText, FLEX_ALT_TEXT_MAX_CHARS);
      return splitFlexMessage(message, path);
    case 'template':
      message.altText = truncateText(message.altText, TEMPLATE_ALT_TEXT_MAX_CHARS);
      return [message];
    default:
      return [message];
  }
}

/** Quick reply buttons only show under the last message, so only the last piece keeps them. */
function splitTextMessage(message: messagingApi.TextMessage): Message[] {
  if (message.text.length <= TEXT_MAX_CHARS) return [message];
  const { quickReply, emojis, ...rest } = message;
  const pieces = splitText(message.text, TEXT_MAX_CHARS);
  let offset = 0;
  return pieces.map((text, i) => {
    const piece: messagingApi.TextMessage = { ...rest, text };
    const start = offset;
    offset += text.length;
    // LINE emojis are placed by index into the text; move each to the piece that holds it.
    const own = emojis?.filter((e) => (e.index ?? 0) >= start && (e.index ?? 0) < offset);
    if (own && own.length > 0) piece.emojis = own.map((e) => ({ ...e, index: (e.index ?? 0) - start }));
    if (i > 0) delete piece.quoteToken;
    if (i === pieces.length - 1 && quickReply) piece.quickReply = quickReply;
    return piece;
  });
}

function splitFlexMessage(message: messagingApi.FlexMessage, path: string): Message[] {
  const contents = message.contents;
  if (contents.type === 'bubble') {
    checkBubbleSize(contents, `${path}.contents`);
    return [message];
  }
  contents.contents.forEach((bubble, i) => checkBubbleSize(bubble, `${path}.contents.contents[${i}]`));
  const groups = groupBubbles(contents.contents);
  if (groups.length === 1) return [message];
  const { quickReply, ...rest } = message;
  return groups.map((bubbles, i) => {
    const part: messagingApi.FlexMessage = { ...rest, contents: { ...contents, contents: bubbles } };
    if (i === groups.length - 1 && quickReply) part.quickReply = quickReply;
    return part;
  });
}

/** Consecutive groups, each within the carousel's bubble count and byte size. */
function groupBubbles(bubbles: FlexBubble[]): FlexBubble[][] {
  const carouselOverheadBytes = jsonBytes({ type: 'carousel', contents: [] });
  const groups: FlexBubble[][] = [];
  let current: FlexBubble[] = [];
  let currentBytes = carouselOverheadBytes;
  for (const bubble of bubbles) {
    const bubbleBytes = jsonBytes(bubble) + 1; // +1 for the separating comma
    const full = current.length === FLEX_CAROUSEL_MAX_BUBBLES || currentBytes + bubbleBytes > FLEX_CAROUSEL_MAX_BYTES;
    if (current.length > 0 && full) {
      groups.push(current);
      current = [];
      currentBytes = carouselOverheadBytes;
    }
    current.push(bubble);
    currentBytes += bubbleBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function checkBubbleSize(bubble: FlexBubble, path: string): void {
  const bytes = jsonBytes(bubble);
  if (bytes > FLEX_BUBBLE_MAX_BYTES) {
    throw new LineMessageUnfittable(path, `bubble is ${bytes} bytes, limit ${FLEX_BUBBLE_MAX_BYTES}`);
  }
}

function checkQuickReply(message: Message, path: string): void {
  const count = message.quickReply?.items?.length ?? 0;
  if (count > QUICK_REPLY_MAX_ITEMS) {
    throw new LineMessageUnfittable(`${path}.quickReply.items`, `${count} items, limit ${QUICK_REPLY_MAX_ITEMS}`);
  }
}

/** Visits every action object anywhere in the message (flex components, templates, quick replies). */
function fitActions(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => fitActions(child, `${path}[${i}]`));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  for (const [key, value] of Object.entries(obj)) {
    const childPath = `${path}.${key}`;
    if (key === 'action' || key === 'defaultAction') fitAction(value, childPath);
    if (key === 'actions' && Array.isArray(value)) value.forEach((a, i) => fitAction(a, `${childPath}[${i}]`));
    fitActions(value, childPath);
  }
}

function fitAction(value: unknown, path: string): void {
  if (!value || typeof value !== 'object') return;
  const action = value as Json;
  if (typeof action.label === 'string') action.label = truncateText(action.label, ACTION_LABEL_MAX_CHARS);
  if (action.type === 'postback') {
    if (typeof action.data === 'string' && action.data.length > POSTBACK_DATA_MAX_CHARS) {
      throw new LineMessageUnfittable(`${path}.data`, `${action.data.length} chars, limit ${POSTBACK_DATA_MAX_CHARS}`);
    }
    if (typeof action.displayText === 'string') {
      action.displayText = truncateText(action.displayText, POSTBACK_DATA_MAX_CHARS);
    }
  }
  if (action.type === 'uri' && typeof action.uri === 'string') checkUri(action.uri, `${path}.uri`);
}

function checkUri(uri: string, path: string): void {
  if (uri.length > URI_ACTION_MAX_CHARS) {
    throw new LineMessageUnfittable(path, `${uri.length} chars, limit ${URI_ACTION_MAX_CHARS}`);
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(uri)?.[0].toLowerCase();
  if (!scheme || !(URI_ACTION_SCHEMES as readonly string[]).includes(scheme)) {
    throw new LineMessageUnfittable(path, `scheme must be one of ${URI_ACTION_SCHEMES.join(' ')}`);
  }
}
