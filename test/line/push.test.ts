import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { LineRequestRefused, LineUnavailable, retryKeyFor } from '../../src/line';
import { EMULATOR_DEFAULTS } from '../../src/emulators/line';
import { FAST_RETRY, LineFixture, startFixture } from './fixture';

const hello: messagingApi.Message[] = [{ type: 'text', text: 'Your payment link is ready' }];

describe('push through the real SDK against the emulator', () => {
  let fx: LineFixture;
  let fetchSpy: jest.SpiedFunction<typeof fetch>;

  beforeEach(async () => {
    fx = await startFixture();
    fetchSpy = jest.spyOn(globalThis, 'fetch');
  });
  afterEach(async () => {
    fetchSpy.mockRestore();
    await fx.emulator.close();
  });

  it('delivers, records and returns sent message ids and the request id', async () => {
    const result = await fx.adapter().push(fx.friend, hello, retryKeyFor('order-1', 'S306'));
    const delivered = fx.emulator.state.messagesTo(fx.friend);
    expect(delivered.map((m) => m.message)).toEqual(hello);
    expect(result.sentMessages).toEqual([{ id: delivered[0]!.id, quoteToken: delivered[0]!.quoteToken }]);
    expect(result.requestIds).toEqual([delivered[0]!.requestId]);
    expect(result.alreadyAccepted).toBe(0);
  });

  it('counts a 409 for an already accepted retry key as sent, without a second delivery', async () => {
    const key = retryKeyFor('order-2', 'S306');
    const first = await fx.adapter().push(fx.friend, hello, key);
    const second = await fx.adapter().push(fx.friend, hello, key);
    expect(second.alreadyAccepted).toBe(1);
    expect(second.sentMessages).toEqual(first.sentMessages);
    expect(second.requestIds).toEqual(first.requestIds);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('recovers from a response lost after LINE accepted: the retry gets 409 and nothing is sent twice', async () => {
    fx.emulator.state.setFaults({ loseResponseNext: 1 });
    const result = await fx.adapter().push(fx.friend, hello, retryKeyFor('order-3', 'S306'));
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect(result.alreadyAccepted).toBe(1);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('retries after 429 and delivers once', async () => {
    fx.emulator.state.setFaults({ failNext: 1, status: 429 });
    await fx.adapter().push(fx.friend, hello, retryKeyFor('order-4', 'S306'));
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('waits as long as Retry-After says', async () => {
    fx.emulator.state.setFaults({ failNext: 1, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await fx.adapter().push(fx.friend, hello, retryKeyFor('order-5', 'S306'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('retries after 500 twice and delivers once', async () => {
    fx.emulator.state.setFaults({ failNext: 2, status: 500 });
    await fx.adapter().push(fx.friend, hello, retryKeyFor('order-6', 'S306'));
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('gives up with LineUnavailable when 503s outlast the attempts', async () => {
    fx.emulator.state.setFaults({ failNext: 100, status: 503 });
    const push = fx.adapter().push(fx.friend, hello, retryKeyFor('order-7', 'S306'));
    await expect(push).rejects.toBeInstanceOf(LineUnavailable);
    await expect(push).rejects.toMatchObject({ attempts: FAST_RETRY.maxAttempts, lastStatus: 503 });
    expect(fetchSpy).toHaveBeenCalledTimes(FAST_RETRY.maxAttempts);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(0);
  });

  it('retries when the push rate limit answers 429, then delivers', async () => {
    await fx.emulator.close();
    fx = await startFixture({ pushRatePerSecond: 1 });
    const adapter = fx.adapter({ retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 400 } });
    await adapter.push(fx.friend, hello, retryKeyFor('order-8', 'a'));
    await adapter.push(fx.friend, hello, retryKeyFor('order-8', 'b'));
    expect(fetchSpy.mock.calls.length).toBeGreaterThan(2);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(2);
  });

  it('refuses a message LINE rejects (400) with its details, without retrying', async () => {
    // The adapter fits what it can; an empty text cannot be fitted and LINE says so.
    const push = fx.adapter().push(fx.friend, [{ type: 'text', text: '' }], retryKeyFor('order-9', 'S306'));
    await expect(push).rejects.toBeInstanceOf(LineRequestRefused);
    await expect(push).rejects.toMatchObject({
      status: 400,
      lineMessage: 'The request body has 1 error(s)',
      details: [{ property: 'messages[0].text', message: 'May not be empty' }],
    });
    expect(fetchSpy).toHaveBeenCalledTimes(1); // one push, no retries
  });

  it('refuses with 401 on a wrong channel access token', async () => {
    const push = fx.adapter({ channelAccessToken: 'not-the-token' }).push(fx.friend, hello, retryKeyFor('o', 's'));
    await expect(push).rejects.toMatchObject({ name: 'LineRequestRefused', status: 401 });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it('answers 401 with LINE error body when the Authorization header is missing', async () => {
    const response = await fetch(`${fx.emulator.baseUrl}/v2/bot/message/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: fx.friend, messages: hello }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-line-request-id')).toBeTruthy();
    expect((await response.json()).message).toMatch(/^Authentication failed/);
  });

  it('answers 400 to a retry key that is not a UUID, and records nothing', async () => {
    const client = new messagingApi.MessagingApiClient({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      baseURL: fx.emulator.baseUrl,
    });
    const error = await client.pushMessage({ to: fx.friend, messages: hello }, 'order-10:S306').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPFetchError);
    expect((error as HTTPFetchError).status).toBe(400);
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(0);
  });

  it('accepts a push to a user who blocked the bot but does not deliver it', async () => {
    const result = await fx.adapter().push(fx.stranger, hello, retryKeyFor('order-11', 'S306'));
    expect(result.sentMessages).toHaveLength(1);
    expect(fx.emulator.state.messagesTo(fx.stranger)).toHaveLength(0);
  });
});
