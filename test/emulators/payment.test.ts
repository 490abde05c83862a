import {
  InvalidWebhook,
  PaymentRefused,
  PaymentUnavailable,
  SIGNATURE_HEADER,
  createPaymentProvider,
  parsePaymentEvent,
  signPayload,
  type ChargeInput,
  type PaymentProvider,
} from '../../src/payment';
import { startPaymentEmulator, type PaymentEmulatorState } from '../../src/emulators/payment';
import type { EmulatorHandle } from '../../src/emulators/http-util';
import { TEST_API_KEY, TEST_WEBHOOK_SECRET, rejectionOf, sleep, startReceiver, waitFor, type Receiver } from './helpers';

/** Long enough for a stray second callback to show up if one were sent. */
const QUIET_PERIOD_MS = 300;

let emulator: EmulatorHandle<PaymentEmulatorState>;
let receiver: Receiver;
let provider: PaymentProvider;

beforeEach(async () => {
  receiver = await startReceiver();
  emulator = await startPaymentEmulator({
    apiKey: TEST_API_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    outcomeDelayMs: 20,
    callbackBackoffBaseMs: 20,
    callbackMaxAttempts: 4,
  });
  provider = createPaymentProvider({ baseUrl: emulator.baseUrl, apiKey: TEST_API_KEY });
});

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

function chargeInput(overrides: Partial<ChargeInput> = {}): ChargeInput {
  return {
    amountMinor: 1000,
    currency: 'TWD',
    reference: 'order-1',
    paymentSource: { type: 'card', token: 'tok_visa' },
    callbackUrl: receiver.url,
    ...overrides,
  };
}

async function settledCharge(amountMinor: number, key: string) {
  const accepted = await provider.charge(chargeInput({ amountMinor }), key);
  await waitFor(() => emulator.state.charges.get(accepted.id)?.charge.status === 'succeeded', 'charge to settle');
  return accepted;
}

describe('charges', () => {
  test('the same Idempotency-Key twice creates one charge and one callback', async () => {
    const first = await provider.charge(chargeInput(), 'order-1:charge');
    const second = await provider.charge(chargeInput(), 'order-1:charge');

    expect(first).toEqual({ id: expect.stringMatching(/^ch_/), status: 'pending' });
    expect(second).toEqual(first);
    expect(emulator.state.charges.size).toBe(1);
    await waitFor(() => receiver.received.length >= 1, 'the callback');
    await sleep(QUIET_PERIOD_MS);
    expect(receiver.received).toHaveLength(1);
    expect(emulator.state.events).toHaveLength(1);
  });

  test('reusing a key with a different body is refused with 409 idempotency-key-reuse', async () => {
    await provider.charge(chargeInput(), 'order-1:charge');
    const error = await rejectionOf(provider.charge(chargeInput({ amountMinor: 999 }), 'order-1:charge'));

    expect(error).toBeInstanceOf(PaymentRefused);
    expect(error).toMatchObject({ status: 409, code: 'idempotency-key-reuse', retryable: false });
    expect((error as PaymentRefused).problemType).toMatch(/\/idempotency-key-reuse$/);
    expect(emulator.state.charges.size).toBe(1);
  });

  test('a key-order difference in the body is still the same request', async () => {
    const input = chargeInput();
    const reordered = {
      callbackUrl: input.callbackUrl,
      paymentSource: input.paymentSource,
      reference: input.reference,
      currency: input.currency,
      amountMinor: input.amountMinor,
    };
    const first = await provider.charge(input, 'k-order');
    const second = await provider.charge(reordered, 'k-order');
    expect(second.id).toBe(first.id);
  });

  test('a charge without Idempotency-Key is refused with 400', async () => {
    const response = await fetch(`${emulator.baseUrl}/v1/charges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(chargeInput()),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 400, type: expect.stringMatching(/idempotency-key-required$/) });
    expect(emulator.state.charges.size).toBe(0);
  });

  test.each([
    ['fractional amount', { amountMinor: 10.5 }],
    ['zero amount', { amountMinor: 0 }],
    ['unsafe integer', { amountMinor: 2 ** 53 }],
    ['unknown currency', { currency: 'EUR' as ChargeInput['currency'] }],
  ])('%s is refused with 400 validation-error', async (_name, overrides) => {
    const error = await rejectionOf(provider.charge(chargeInput(overrides), `bad-${_name}`));
    expect(error).toMatchObject({ status: 400, code: 'validation-error' });
    expect(emulator.state.charges.size).toBe(0);
  });

  test('a wrong API key is refused with 401 problem', async () => {
    const stranger = createPaymentProvider({ baseUrl: emulator.baseUrl, apiKey: 'sk_wrong' });
    const error = await rejectionOf(stranger.charge(chargeInput(), 'k'));
    expect(error).toBeInstanceOf(PaymentRefused);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  test('a declined token ends in charge.failed with card_declined', async () => {
    const accepted = await provider.charge(chargeInput({ paymentSource: { type: 'card', token: 'tok_decline' } }), 'k-decline');
    await waitFor(() => receiver.received.length >= 1, 'the callback');
    const event = parsePaymentEvent(receiver.received[0].rawBody, receiver.received[0].signature, TEST_WEBHOOK_SECRET);

    expect(event.type).toBe('charge.failed');
    expect(event.data).toMatchObject({ chargeId: accepted.id, reference: 'order-1', failureCode: 'card_declined' });
    expect(await provider.getCharge(accepted.id)).toMatchObject({ status: 'failed', failureCode: 'card_declined' });
  });

  test('the failure rule can be replaced at run time', async () => {
    emulator.state.chargeOutcome = (input) => (input.amountMinor > 500 ? { code: 'limit_exceeded', message: 'over limit' } : undefined);
    await provider.charge(chargeInput({ amountMinor: 501 }), 'k-limit');
    await waitFor(() => receiver.received.length >= 1, 'the callback');
    expect(parsePaymentEvent(receiver.received[0].rawBody, receiver.received[0].signature, TEST_WEBHOOK_SECRET)).toMatchObject({
      type: 'charge.failed',
      data: { failureCode: 'limit_exceeded' },
    });
  });

  test('getCharge of an unknown id is a 404 PaymentRefused', async () => {
    const error = await rejectionOf(provider.getCharge('ch_nope'));
    expect(error).toMatchObject({ status: 404, code: 'charge-not-found' });
  });
});

describe('callbacks', () => {
  test('a succeeded callback carries a verifiable X-Signature; tampering and old timestamps are refused', async () => {
    const accepted = await provider.charge(chargeInput({ amountMinor: 4200, currency: 'JPY' }), 'k-sig');
    await waitFor(() => receiver.received.length >= 1, 'the callback');
    const { rawBody, signature } = receiver.received[0];

    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = parsePaymentEvent(rawBody, signature, TEST_WEBHOOK_SECRET);
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'charge.succeeded',
      created: expect.any(Number),
      data: { chargeId: accepted.id, reference: 'order-1', amountMinor: 4200, currency: 'JPY' },
    });

    const tampered = rawBody.replace('4200', '4201');
    expect(tampered).not.toBe(rawBody);
    expect(() => parsePaymentEvent(tampered, signature, TEST_WEBHOOK_SECRET)).toThrow(
      expect.objectContaining({ reason: 'signature-mismatch' }),
    );
    expect(() => parsePaymentEvent(rawBody, signature, 'whsec_some_other_secret')).toThrow(InvalidWebhook);
    expect(() => parsePaymentEvent(rawBody, undefined, TEST_WEBHOOK_SECRET)).toThrow(
      expect.objectContaining({ reason: 'malformed-header' }),
    );

    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    const oldButValid = signPayload(TEST_WEBHOOK_SECRET, rawBody, anHourAgo);
    expect(() => parsePaymentEvent(rawBody, oldButValid, TEST_WEBHOOK_SECRET)).toThrow(
      expect.objectContaining({ reason: 'stale-timestamp' }),
    );
  });

  test('a correctly signed body of the wrong shape is refused', () => {
    const rawBody = JSON.stringify({
      id: 'evt_1',
      type: 'charge.succeeded',
      created: 1,
      data: { chargeId: 'ch_1', reference: 'r', amountMinor: 1.5, currency: 'TWD' },
    });
    const header = signPayload(TEST_WEBHOOK_SECRET, rawBody);
    expect(() => parsePaymentEvent(rawBody, header, TEST_WEBHOOK_SECRET)).toThrow(expect.objectContaining({ reason: 'invalid-shape' }));
  });

  test('after a 500 from the receiver the same event id is redelivered', async () => {
    receiver.respond = (n) => (n === 1 ? 500 : 200);
    await provider.charge(chargeInput(), 'k-redeliver');
    await waitFor(() => receiver.received.length >= 2, 'the redelivery');
    await sleep(QUIET_PERIOD_MS);

    const [first, second] = receiver.received;
    expect(receiver.received).toHaveLength(2);
    expect(first.answered).toBe(500);
    expect(second.eventId).toBe(first.eventId);
    expect(second.rawBody).toBe(first.rawBody);
    expect(parsePaymentEvent(second.rawBody, second.signature, TEST_WEBHOOK_SECRET).id).toBe(first.eventId);
    expect(emulator.state.deliveries.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'rejected'],
      [2, 'delivered'],
    ]);
  });

  test('redelivery stops after callbackMaxAttempts', async () => {
    receiver.respond = () => 503;
    await provider.charge(chargeInput(), 'k-give-up');
    await waitFor(() => receiver.received.length >= 4, 'four attempts');
    await sleep(QUIET_PERIOD_MS);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.eventId)).size).toBe(1);
  });

  test('duplicateCallbacks delivers the same event twice; dropCallbacks delivers none', async () => {
    emulator.state.faults.set({ duplicateCallbacks: true });
    await provider.charge(chargeInput(), 'k-dup');
    await waitFor(() => receiver.received.length >= 2, 'two deliveries');
    expect(receiver.received[0].eventId).toBe(receiver.received[1].eventId);

    emulator.state.faults.set({ duplicateCallbacks: false, dropCallbacks: true });
    const dropped = await provider.charge(chargeInput({ reference: 'order-2' }), 'k-drop');
    await waitFor(() => emulator.state.deliveries.some((d) => d.outcome === 'dropped'), 'the dropped record');
    await sleep(QUIET_PERIOD_MS);
    expect(receiver.received).toHaveLength(2);
    // Without a callback the product polls, and the charge did settle.
    expect(await provider.getCharge(dropped.id)).toMatchObject({ status: 'succeeded' });
  });
});

describe('faults', () => {
  test('a 503 makes the client throw PaymentUnavailable, and a retry with the same key succeeds once', async () => {
    emulator.state.faults.set({ failNext: 1, status: 503 });
    const error = await rejectionOf(provider.charge(chargeInput(), 'k-retry'));
    expect(error).toBeInstanceOf(PaymentUnavailable);
    expect(error).toMatchObject({ status: 503, retryable: true, retryAfterSeconds: 1 });
    expect(emulator.state.charges.size).toBe(0);

    const accepted = await provider.charge(chargeInput(), 'k-retry');
    const again = await provider.charge(chargeInput(), 'k-retry');
    expect(again.id).toBe(accepted.id);
    expect(emulator.state.charges.size).toBe(1);
    await waitFor(() => receiver.received.length >= 1, 'the callback');
    await sleep(QUIET_PERIOD_MS);
    expect(receiver.received).toHaveLength(1);
  });

  test('faults can be switched over HTTP: failNext 2 with 500, then 429', async () => {
    const set = (body: unknown) =>
      fetch(`${emulator.baseUrl}/__emulator/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await set({ failNext: 2, status: 500 })).status).toBe(200);
    await expect(provider.getCharge('ch_x')).rejects.toMatchObject({ name: 'PaymentUnavailable', status: 500 });
    await expect(provider.getCharge('ch_x')).rejects.toMatchObject({ name: 'PaymentUnavailable', status: 500 });
    await expect(provider.getCharge('ch_x')).rejects.toMatchObject({ name: 'PaymentRefused', status: 404 });

    expect((await set({ failNext: 1, status: 429 })).status).toBe(200);
    await expect(provider.getCharge('ch_x')).rejects.toMatchObject({ name: 'PaymentUnavailable', status: 429 });

    const invalid = await set({ failNext: 1, status: 418 });
    expect(invalid.status).toBe(400);
  });

  test('delayMs beyond the client time limit is PaymentUnavailable', async () => {
    emulator.state.faults.set({ delayMs: 300 });
    const impatient = createPaymentProvider({ baseUrl: emulator.baseUrl, apiKey: TEST_API_KEY, timeoutMs: 50 });
    await expect(impatient.getCharge('ch_x')).rejects.toBeInstanceOf(PaymentUnavailable);
  });

  test('an unreachable provider is PaymentUnavailable', async () => {
    const { baseUrl } = emulator;
    await emulator.close();
    emulator = await startPaymentEmulator({ apiKey: TEST_API_KEY, webhookSecret: TEST_WEBHOOK_SECRET });
    const gone = createPaymentProvider({ baseUrl, apiKey: TEST_API_KEY });
    await expect(gone.getCharge('ch_x')).rejects.toBeInstanceOf(PaymentUnavailable);
  });
});

describe('refunds', () => {
  test('partial refunds are allowed up to the charged amount, never beyond', async () => {
    const { id } = await settledCharge(1000, 'k-charge');

    const first = await provider.refund({ chargeId: id, amountMinor: 400 }, 'k-refund-1');
    expect(first).toMatchObject({
      id: expect.stringMatching(/^re_/),
      chargeId: id,
      amountMinor: 400,
      currency: 'TWD',
      status: 'succeeded',
    });
    const over = await rejectionOf(provider.refund({ chargeId: id, amountMinor: 601 }, 'k-refund-2'));
    expect(over).toBeInstanceOf(PaymentRefused);
    expect(over).toMatchObject({ status: 422, code: 'refund-exceeds-charge' });

    await provider.refund({ chargeId: id, amountMinor: 600 }, 'k-refund-3');
    await expect(provider.refund({ chargeId: id, amountMinor: 1 }, 'k-refund-4')).rejects.toMatchObject({ code: 'refund-exceeds-charge' });
    expect(await provider.getCharge(id)).toMatchObject({ refundedMinor: 1000 });
  });

  test('a retried refund with the same key refunds once', async () => {
    const { id } = await settledCharge(1000, 'k-charge');
    const first = await provider.refund({ chargeId: id, amountMinor: 700 }, 'k-refund');
    const second = await provider.refund({ chargeId: id, amountMinor: 700 }, 'k-refund');
    expect(second.id).toBe(first.id);
    expect(await provider.getCharge(id)).toMatchObject({ refundedMinor: 700 });
  });

  test('a charge that is not succeeded cannot be refunded', async () => {
    const failed = await provider.charge(chargeInput({ paymentSource: { type: 'card', token: 'tok_insufficient' } }), 'k-poor');
    await waitFor(() => emulator.state.charges.get(failed.id)?.charge.status === 'failed', 'the charge to fail');
    await expect(provider.refund({ chargeId: failed.id, amountMinor: 1 }, 'k-r')).rejects.toMatchObject({
      status: 409,
      code: 'charge-not-refundable',
    });
    await expect(provider.refund({ chargeId: 'ch_unknown', amountMinor: 1 }, 'k-r2')).rejects.toMatchObject({ status: 404 });
  });
});

describe('statement', () => {
  test('lists succeeded charges and refunds, not failed charges, within the range', async () => {
    const ok = await settledCharge(1000, 'k-ok');
    const declined = await provider.charge(
      chargeInput({ paymentSource: { type: 'card', token: 'tok_decline' }, reference: 'order-9' }),
      'k-no',
    );
    await waitFor(() => emulator.state.charges.get(declined.id)?.charge.status === 'failed', 'the decline');
    const refund = await provider.refund({ chargeId: ok.id, amountMinor: 250 }, 'k-refund');

    const statement = await provider.statement();
    expect(statement.entries).toEqual([
      expect.objectContaining({ kind: 'charge', id: ok.id, chargeId: ok.id, reference: 'order-1', amountMinor: 1000, currency: 'TWD' }),
      expect.objectContaining({ kind: 'refund', id: refund.id, chargeId: ok.id, reference: 'order-1', amountMinor: 250 }),
    ]);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await provider.statement({ from: future })).entries).toEqual([]);
    await expect(provider.statement({ from: 'yesterday' })).rejects.toMatchObject({ status: 400, code: 'validation-error' });
  });
});

test('the signature header name is X-Signature', () => {
  expect(SIGNATURE_HEADER).toBe('X-Signature');
});
