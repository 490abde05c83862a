import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { EMULATOR_DEFAULTS, RunningLineEmulator, newUserId, startLineEmulator } from '../../src/emulators/line';

/** The emulator's request checks, seen through the real SDK as the product sees them. */
describe('emulator refuses what LINE refuses', () => {
  let emulator: RunningLineEmulator;
  let client: messagingApi.MessagingApiClient;
  const to = newUserId();

  beforeAll(async () => {
    emulator = await startLineEmulator({ allowLoopbackHttpMedia: true });
    emulator.state.addUser({ userId: to, displayName: 'Buyer' });
    client = new messagingApi.MessagingApiClient({ channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken, baseURL: emulator.baseUrl });
  });
  afterAll(() => emulator.close());

  async function refusal(messages: unknown[]): Promise<{ status: number; body: { message: string; details?: unknown[] } }> {
    const err = await client.pushMessage({ to, messages: messages as messagingApi.Message[] }).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HTTPFetchError);
    const fetchError = err as HTTPFetchError;
    return { status: fetchError.status, body: JSON.parse(fetchError.body) };
  }

  const text = (t: string) => ({ type: 'text', text: t });

  it.each([
    ['no messages', [], 'messages', 'Size must be between 1 and 5'],
    ['six messages', Array.from({ length: 6 }, () => text('hi')), 'messages', 'Size must be between 1 and 5'],
    ['text over 5000', [text('x'.repeat(5001))], 'messages[0].text', 'Length must be between 0 and 5000'],
    ['unknown type', [{ type: 'hologram' }], 'messages[0].type', expect.stringMatching(/^Must be one of the following values/)],
    [
      'flex altText over 1500',
      [{ type: 'flex', altText: 'a'.repeat(1501), contents: { type: 'bubble' } }],
      'messages[0].altText',
      'Length must be between 0 and 1500',
    ],
    [
      'label over 20',
      [{ type: 'flex', altText: 'a', contents: { type: 'bubble', action: { type: 'message', label: 'l'.repeat(21), text: 't' } } }],
      'messages[0].contents.action.label',
      'Length must be between 0 and 20',
    ],
    [
      'postback data over 300',
      [
        {
          type: 'template',
          altText: 'a',
          template: { type: 'buttons', text: 't', actions: [{ type: 'postback', label: 'l', data: 'd'.repeat(301) }] },
        },
      ],
      'messages[0].template.actions[0].data',
      'Length must be between 0 and 300',
    ],
    [
      'javascript: uri',
      [{ type: 'flex', altText: 'a', contents: { type: 'bubble', action: { type: 'uri', label: 'l', uri: 'javascript:alert(1)' } } }],
      'messages[0].contents.action.uri',
      'invalid uri scheme',
    ],
    [
      'http image off loopback',
      [{ type: 'image', originalContentUrl: 'http://example.com/a.png', previewImageUrl: 'https://example.com/a.png' }],
      'messages[0].originalContentUrl',
      'invalid uri scheme: must be https',
    ],
    [
      'bubble over 30 KB',
      [
        {
          type: 'flex',
          altText: 'a',
          contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'x'.repeat(31_000) }] } },
        },
      ],
      'messages[0].contents',
      expect.stringMatching(/bytes or less$/),
    ],
  ])('%s → 400 naming the property', async (_name, messages, property, message) => {
    const { status, body } = await refusal(messages);
    expect(status).toBe(400);
    expect(body.message).toBe('The request body has 1 error(s)');
    expect(body.details).toEqual([{ property, message }]);
  });

  it('accepts http images on loopback when allowed (local dev)', async () => {
    await client.pushMessage({
      to,
      messages: [
        { type: 'image', originalContentUrl: 'http://127.0.0.1:3000/qr/1.png', previewImageUrl: 'http://127.0.0.1:3000/qr/1.png' },
      ],
    });
    expect(emulator.state.messagesTo(to).at(-1)?.message.type).toBe('image');
  });

  it('refuses http images on loopback when the flag is off', async () => {
    const strict = await startLineEmulator({ allowLoopbackHttpMedia: false });
    try {
      strict.state.addUser({ userId: to, displayName: 'Buyer' });
      const strictClient = new messagingApi.MessagingApiClient({
        channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
        baseURL: strict.baseUrl,
      });
      const url = 'http://127.0.0.1:3000/qr/1.png';
      await expect(
        strictClient.pushMessage({ to, messages: [{ type: 'image', originalContentUrl: url, previewImageUrl: url }] }),
      ).rejects.toMatchObject({
        status: 400,
      });
    } finally {
      await strict.close();
    }
  });

  it('answers 400 "Failed to send messages" for a user id LINE never issued', async () => {
    const err = (await client
      .pushMessage({ to: newUserId(), messages: [{ type: 'text', text: 'hi' }] })
      .catch((e: unknown) => e)) as HTTPFetchError;
    expect(err.status).toBe(400);
    expect(JSON.parse(err.body)).toEqual({ message: 'Failed to send messages' });
  });

  it('serves bot info', async () => {
    const info = await client.getBotInfo();
    expect(info).toMatchObject({ userId: EMULATOR_DEFAULTS.botUserId, chatMode: 'bot' });
  });
});
