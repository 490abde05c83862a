import { MESSAGES_PATH, startSmsEmulator, type RunningSmsEmulator } from '../../src/emulators/sms';
import { createSmsSender, SmsRefused, SmsUnavailable, type SmsSender } from '../../src/sms';

/** The SMS emulator holds to the contract it states (Vonage Messages API, SMS channel), and our client speaks it. */
const KEY = 'test-sms-key';
const SECRET = 'test-sms-secret-0123456789';
const basic = (key = KEY, secret = SECRET) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

let emulator: RunningSmsEmulator;
let client: SmsSender;
beforeEach(async () => {
  emulator = await startSmsEmulator({ apiKey: KEY, apiSecret: SECRET });
  client = createSmsSender({ baseUrl: emulator.baseUrl, apiKey: KEY, apiSecret: SECRET, sender: 'Escrow' });
});
afterEach(async () => {
  await emulator.close();
});

async function post(body: unknown, authorization = basic()) {
  const res = await fetch(`${emulator.baseUrl}${MESSAGES_PATH}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, any> };
}

const valid = { message_type: 'text', channel: 'sms', to: '886912345678', from: 'Escrow', text: 'hello', client_ref: 'pv_1' };

describe('SMS emulator contract', () => {
  it('accepts a valid SMS with 202 and a message uuid, and keeps it for the control route', async () => {
    const res = await post(valid);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const last = await fetch(`${emulator.baseUrl}/__emulator/messages/last?to=%2B886912345678`, { headers: { authorization: basic() } });
    expect(await last.json()).toMatchObject({ messageUuid: res.body.message_uuid, to: '886912345678', text: 'hello', clientRef: 'pv_1' });
    const none = await fetch(`${emulator.baseUrl}/__emulator/messages/last?to=886900000000`, { headers: { authorization: basic() } });
    expect(none.status).toBe(404);
  });

  it('refuses wrong credentials with 401 problem+json, the control routes too', async () => {
    for (const auth of [basic(KEY, 'wrong'), `Bearer ${KEY}`, '']) {
      const res = await post(valid, auth);
      expect([res.status, res.type, res.body.type]).toEqual([
        401,
        expect.stringContaining('application/problem+json'),
        'https://developer.vonage.com/api-errors#unauthorized',
      ]);
    }
    expect((await fetch(`${emulator.baseUrl}/__emulator/messages`)).status).toBe(401);
    expect(emulator.state.messages).toEqual([]);
  });

  it('refuses missing (1010) and invalid (1020) parameters with invalid_parameters, and unknown fields', async () => {
    const missing = await post({ message_type: 'text', channel: 'sms', from: 'Escrow', text: 'x' });
    expect([missing.status, missing.body.type]).toEqual([422, 'https://developer.vonage.com/api-errors/messages#1010']);
    expect(missing.body.invalid_parameters).toEqual([{ name: 'to', reason: expect.any(String) }]);
    expect(missing.body.instance).toMatch(/^[0-9a-f]{32}$/);
    for (const bad of [
      { to: '+886912345678' },
      { to: '00886912345678' },
      { text: '' },
      { text: 'x'.repeat(1001) },
      { from: 'TooLongSender1' },
      { client_ref: 'r'.repeat(101) },
      { channel: 'whatsapp' },
      { unknown: 1 },
    ]) {
      const res = await post({ ...valid, ...bad });
      expect([res.status, res.body.type]).toEqual([422, 'https://developer.vonage.com/api-errors/messages#1020']);
    }
    expect(emulator.state.messages).toEqual([]);
  });

  it('a barred destination is refused with 1050', async () => {
    emulator.state.barred.add('886912345678');
    const res = await post(valid);
    expect([res.status, res.body.type]).toEqual([422, 'https://developer.vonage.com/api-errors/messages#1050']);
  });
});

describe('SMS client against the emulator', () => {
  it('sends E.164 as the API digits, with our sender and reference', async () => {
    const { messageId } = await client.send({ toE164: '+886912345678', text: '驗證碼 123456', reference: 'pv_abc' });
    expect(emulator.state.messages).toEqual([
      expect.objectContaining({ messageUuid: messageId, to: '886912345678', from: 'Escrow', text: '驗證碼 123456', clientRef: 'pv_abc' }),
    ]);
  });

  it('5xx and 429 are unavailable (with Retry-After), 4xx refused, and nothing is retried', async () => {
    emulator.state.faults.set({ failNext: 1, status: 503 });
    const unavailable = await client.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e);
    expect(unavailable).toBeInstanceOf(SmsUnavailable);
    expect(unavailable.retryAfterSeconds).toBe(1);
    emulator.state.faults.set({ failNext: 1, status: 429 });
    expect(await client.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e)).toBeInstanceOf(SmsUnavailable);
    emulator.state.barred.add('886912345678');
    const refused = await client.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e);
    expect(refused).toBeInstanceOf(SmsRefused);
    expect(refused.code).toBe('messages#1050');
    expect(emulator.state.messages).toEqual([]);

    const wrongKey = createSmsSender({ baseUrl: emulator.baseUrl, apiKey: KEY, apiSecret: 'nope', sender: 'Escrow' });
    const unauthorized = await wrongKey.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e);
    expect([unauthorized instanceof SmsRefused, unauthorized.status]).toEqual([true, 401]);
  });

  it('a provider that does not answer in time is unavailable; a stopped one too', async () => {
    const impatient = createSmsSender({ baseUrl: emulator.baseUrl, apiKey: KEY, apiSecret: SECRET, sender: 'Escrow', timeoutMs: 100 });
    emulator.state.faults.set({ delayMs: 1000 });
    const slow = await impatient.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e);
    expect(slow).toBeInstanceOf(SmsUnavailable);
    expect([slow.message, slow.cause?.name]).toEqual([expect.any(String), expect.stringMatching(/Timeout|Abort/)]);
    emulator.state.faults.reset();
    await emulator.close();
    expect(await client.send({ toE164: '+886912345678', text: 'x', reference: 'r' }).catch((e) => e)).toBeInstanceOf(SmsUnavailable);
    emulator = await startSmsEmulator({ apiKey: KEY, apiSecret: SECRET });
  });
});
