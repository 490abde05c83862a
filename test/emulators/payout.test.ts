import { startPayoutEmulator, type PayoutEmulatorState } from '../../src/emulators/payout';
import type { EmulatorHandle } from '../../src/emulators/http-util';
import {
  PayoutRefused,
  PayoutUnavailable,
  createPayoutProvider,
  parsePayoutEvent,
  type PayoutInput,
  type PayoutProvider,
} from '../../src/payout';
import { TEST_API_KEY, TEST_WEBHOOK_SECRET, rejectionOf, sleep, startReceiver, waitFor, type Receiver } from './helpers';

let emulator: EmulatorHandle<PayoutEmulatorState>;
let receiver: Receiver;
let provider: PayoutProvider;

beforeEach(async () => {
  receiver = await startReceiver();
  emulator = await startPayoutEmulator({
    apiKey: TEST_API_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    outcomeDelayMs: 10,
    callbackBackoffBaseMs: 20,
  });
  provider = createPayoutProvider({ baseUrl: emulator.baseUrl, apiKey: TEST_API_KEY });
});

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

function input(overrides: Partial<PayoutInput> = {}): PayoutInput {
  return {
    amountMinor: 150_000,
    currency: 'TWD',
    bankCode: '812',
    accountNumber: '00012345678901',
    holderName: 'Wang Xiao Ming',
    reference: 'payout:U1:1',
    ...overrides,
  };
}

async function paidPayout(overrides: Partial<PayoutInput>, key: string) {
  const accepted = await provider.payout(input(overrides), key);
  await waitFor(() => emulator.state.payouts.get(accepted.id)?.payout.status === 'paid', 'the payout to be paid');
  return accepted;
}

const control = (method: 'POST' | 'DELETE', body?: unknown) =>
  fetch(`${emulator.baseUrl}/__emulator/statement-differences`, {
    method,
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test('a payout is paid, reported by a signed payout.paid webhook, and listed in the statement', async () => {
  const accepted = await provider.payout(input(), 'payout:U1:1');
  expect(accepted).toEqual({ id: expect.stringMatching(/^po_/), status: 'pending' });

  await waitFor(() => receiver.received.length >= 1, 'the webhook');
  const event = parsePayoutEvent(receiver.received[0].rawBody, receiver.received[0].signature, TEST_WEBHOOK_SECRET);
  expect(event).toEqual({
    id: expect.stringMatching(/^evt_/),
    type: 'payout.paid',
    created: expect.any(Number),
    data: { payoutId: accepted.id, reference: 'payout:U1:1', amountMinor: 150_000, currency: 'TWD' },
  });
  expect(await provider.getPayout(accepted.id)).toMatchObject({ status: 'paid', accountNumberLast4: '8901', bankCode: '812' });

  const statement = await provider.statement();
  expect(statement.entries).toEqual([
    {
      payoutId: accepted.id,
      reference: 'payout:U1:1',
      amountMinor: 150_000,
      currency: 'TWD',
      status: 'paid',
      occurredAt: expect.any(String),
    },
  ]);
});

test('a payout to a closed account fails with payout.failed and stays out of the statement', async () => {
  const accepted = await provider.payout(input({ accountNumber: '000000000000' }), 'k-closed');
  await waitFor(() => receiver.received.length >= 1, 'the webhook');
  const event = parsePayoutEvent(receiver.received[0].rawBody, receiver.received[0].signature, TEST_WEBHOOK_SECRET);
  expect(event).toMatchObject({ type: 'payout.failed', data: { payoutId: accepted.id, failureCode: 'account_closed' } });
  expect((await provider.statement()).entries).toEqual([]);
});

test('the same key twice pays once', async () => {
  const first = await provider.payout(input(), 'k-once');
  const second = await provider.payout(input(), 'k-once');
  expect(second.id).toBe(first.id);
  await waitFor(() => receiver.received.length >= 1, 'the webhook');
  await sleep(200);
  expect(emulator.state.payouts.size).toBe(1);
  expect(receiver.received).toHaveLength(1);
  await expect(provider.payout(input({ amountMinor: 1 }), 'k-once')).rejects.toMatchObject({ status: 409, code: 'idempotency-key-reuse' });
});

test('injected differences make the statement disagree: amount changed, payout omitted, phantom added', async () => {
  const a = await paidPayout({ reference: 'payout:A' }, 'k-a');
  const b = await paidPayout({ reference: 'payout:B', amountMinor: 500 }, 'k-b');
  const truth = (await provider.statement()).entries;
  expect(truth.map((e) => [e.payoutId, e.amountMinor])).toEqual([
    [a.id, 150_000],
    [b.id, 500],
  ]);

  emulator.state.statementDifferences.push({ kind: 'amount', payoutId: a.id, deltaMinor: -100 });
  expect((await provider.statement()).entries.find((e) => e.payoutId === a.id)?.amountMinor).toBe(149_900);

  expect((await control('POST', { kind: 'omit', payoutId: b.id })).status).toBe(201);
  expect((await control('POST', { kind: 'phantom', reference: 'payout:never', amountMinor: 777, currency: 'TWD' })).status).toBe(201);
  const altered = (await provider.statement()).entries;
  expect(altered.map((e) => e.reference)).toEqual(['payout:A', 'payout:never']);
  expect(altered[1]).toMatchObject({ amountMinor: 777, payoutId: expect.stringMatching(/^po_/) });

  expect((await control('POST', { kind: 'amount', payoutId: a.id, deltaMinor: 1.5 })).status).toBe(400);
  expect((await control('DELETE')).status).toBe(200);
  expect((await provider.statement()).entries).toEqual(truth);
});

test('without a configured webhook endpoint the outcome is only available by polling', async () => {
  emulator.state.webhookUrl = undefined;
  const accepted = await provider.payout(input(), 'k-poll');
  await waitFor(() => emulator.state.deliveries.some((d) => d.outcome === 'no-endpoint'), 'the unsent event');
  expect(receiver.received).toHaveLength(0);
  expect(await provider.getPayout(accepted.id)).toMatchObject({ status: 'paid' });
});

test('validation, faults and unknown ids map to the typed errors', async () => {
  const invalid = await rejectionOf(provider.payout(input({ amountMinor: -5 }), 'k-neg'));
  expect(invalid).toBeInstanceOf(PayoutRefused);
  expect(invalid).toMatchObject({ status: 400, code: 'validation-error' });

  emulator.state.faults.set({ failNext: 1, status: 500 });
  await expect(provider.payout(input(), 'k-fault')).rejects.toBeInstanceOf(PayoutUnavailable);
  await expect(provider.payout(input(), 'k-fault')).resolves.toMatchObject({ status: 'pending' });

  await expect(provider.getPayout('po_missing')).rejects.toMatchObject({ status: 404, code: 'payout-not-found' });
});
