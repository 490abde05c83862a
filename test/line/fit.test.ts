import { messagingApi } from '@line/bot-sdk';
import {
  ACTION_LABEL_MAX_CHARS,
  FLEX_ALT_TEXT_MAX_CHARS,
  FLEX_CAROUSEL_MAX_BUBBLES,
  LineMessageUnfittable,
  MESSAGES_PER_REQUEST_MAX,
  TEXT_MAX_CHARS,
  fitMessages,
  retryKeyFor,
} from '../../src/line';
import { LineFixture, startFixture } from './fixture';

function bubble(n: number): messagingApi.FlexBubble {
  return {
    type: 'bubble',
    body: {
      type: 'box',
      layout: 'vertical',
      contents: [
        { type: 'text', text: `Item ${n}` },
        { type: 'button', action: { type: 'postback', label: `Pay now for item number ${n}`, data: `a=pay&n=${n}` } },
      ],
    },
  };
}

function carousel(count: number): messagingApi.FlexMessage {
  return {
    type: 'flex',
    altText: 'x'.repeat(2000),
    contents: { type: 'carousel', contents: Array.from({ length: count }, (_, i) => bubble(i)) },
    quickReply: { items: [{ type: 'action', action: { type: 'message', label: 'Help', text: 'help' } }] },
  };
}

describe('fitMessages', () => {
  it('splits a long text into pieces within the limit that join back to the original', () => {
    const text = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ') + '\n' + 'z'.repeat(7000);
    const [batch] = fitMessages([{ type: 'text', text }]);
    const texts = batch!.map((m) => (m as messagingApi.TextMessage).text);
    expect(texts.length).toBeGreaterThan(1);
    for (const piece of texts) expect(piece.length).toBeLessThanOrEqual(TEXT_MAX_CHARS);
    expect(texts.join('')).toBe(text);
  });

  it('never cuts an emoji (surrogate pair) in half', () => {
    const text = 'a' + '😀'.repeat(TEXT_MAX_CHARS);
    const pieces = fitMessages([{ type: 'text', text }]).flat() as messagingApi.TextMessage[];
    for (const piece of pieces) expect(piece.text).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
  });

  it('puts more than five messages into several requests of at most five, in order', () => {
    const messages = Array.from({ length: 12 }, (_, i): messagingApi.Message => ({ type: 'text', text: `m${i}` }));
    const batches = fitMessages(messages);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(batches.flat()).toEqual(messages);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(MESSAGES_PER_REQUEST_MAX);
  });

  it('splits a 20-bubble carousel, truncates altText and labels, keeps the quick reply on the last part', () => {
    const parts = fitMessages([carousel(20)]).flat() as messagingApi.FlexMessage[];
    expect(parts).toHaveLength(2);
    const bubbles = parts.flatMap((p) => (p.contents as messagingApi.FlexCarousel).contents);
    expect(bubbles).toHaveLength(20);
    for (const p of parts) {
      expect((p.contents as messagingApi.FlexCarousel).contents.length).toBeLessThanOrEqual(FLEX_CAROUSEL_MAX_BUBBLES);
      expect(p.altText.length).toBeLessThanOrEqual(FLEX_ALT_TEXT_MAX_CHARS);
    }
    const label = ((bubbles[0]!.body!.contents[1] as messagingApi.FlexButton).action as messagingApi.PostbackAction).label!;
    expect(label.length).toBeLessThanOrEqual(ACTION_LABEL_MAX_CHARS);
    expect(label.endsWith('…')).toBe(true);
    expect(parts[0]!.quickReply).toBeUndefined();
    expect(parts[1]!.quickReply?.items).toHaveLength(1);
  });

  it('does not modify the caller’s messages', () => {
    const original = carousel(20);
    const copy = structuredClone(original);
    fitMessages([original]);
    expect(original).toEqual(copy);
  });

  it('refuses postback data over the limit instead of corrupting it', () => {
    const message: messagingApi.Message = {
      type: 'template',
      altText: 'confirm',
      template: {
        type: 'confirm',
        text: 'Release the payment?',
        actions: [
          { type: 'postback', label: 'Yes', data: 'd'.repeat(301) },
          { type: 'postback', label: 'No', data: 'no' },
        ],
      },
    };
    expect(() => fitMessages([message])).toThrow(LineMessageUnfittable);
    expect(() => fitMessages([message])).toThrow(/messages\[0\]\.template\.actions\[0\]\.data/);
  });

  it('refuses a uri action with a scheme LINE forbids', () => {
    const message: messagingApi.Message = {
      type: 'flex',
      altText: 'link',
      contents: { type: 'bubble', action: { type: 'uri', label: 'open', uri: 'javascript:alert(1)' } },
    };
    expect(() => fitMessages([message])).toThrow(LineMessageUnfittable);
  });
});

describe('fitted messages are accepted by the emulator', () => {
  let fx: LineFixture;
  beforeEach(async () => {
    fx = await startFixture();
  });
  afterEach(() => fx.emulator.close());

  it('delivers everything of an oversized push: long text, many messages, a 20-bubble carousel', async () => {
    const messages: messagingApi.Message[] = [
      { type: 'text', text: 'x'.repeat(12_000) },
      ...Array.from({ length: 6 }, (_, i): messagingApi.Message => ({ type: 'text', text: `m${i}` })),
      carousel(20),
    ];
    const result = await fx.adapter().push(fx.friend, messages, retryKeyFor('order-fit', 'S306'));
    const delivered = fx.emulator.state.messagesTo(fx.friend);
    // 12,000 chars → 3 texts; + 6 texts; + 2 carousels = 11 messages in 3 requests.
    expect(delivered).toHaveLength(11);
    expect(result.requestIds).toHaveLength(3);
    expect(new Set(delivered.map((d) => d.requestId)).size).toBe(3);
    expect(result.sentMessages.map((s) => s.id)).toEqual(delivered.map((d) => d.id));
  });

  it('would have been refused unfitted: the emulator enforces the same limits', async () => {
    const response = await fetch(`${fx.emulator.baseUrl}/v2/bot/message/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.emulator.options.channelAccessTokens[0]}` },
      body: JSON.stringify({ to: fx.friend, messages: [carousel(20)] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details: Array<{ property: string }> };
    expect(body.details.map((d) => d.property)).toEqual(
      expect.arrayContaining([
        'messages[0].altText',
        'messages[0].contents.contents',
        'messages[0].contents.contents[0].body.contents[1].action.label',
      ]),
    );
  });
});
