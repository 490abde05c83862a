/**
 * The payment provider emulator with our own client in front of it and a webhook receiver that
 * parses every callback with the product's parser (signature, then shape): what our product
 * would accept is what the tests read.
 */
import { startPaymentEmulator, type PaymentEmulatorState } from '../../src/emulators/payment';
import type { EmulatorHandle } from '../../src/emulators/http-util';
import {
  createPaymentProvider,
  parsePaymentEvent,
  type OrderCheckoutInput,
  type PaymentEvent,
  type PaymentProvider,
} from '../../src/payment';
import { TEST_API_KEY, TEST_WEBHOOK_SECRET, startReceiver, waitFor, type Receiver } from '../emulators/helpers';

export interface CheckoutFixture {
  emulator: EmulatorHandle<PaymentEmulatorState>;
  provider: PaymentProvider;
  receiver: Receiver;
  /** Origin standing in for our api: the receiver's, so callbacks reach it. */
  publicBaseUrl: string;
  /** Every callback so far, through the product's parser (throws on a bad signature or shape). */
  events(): PaymentEvent[];
  /** Waits for the n-th event and returns it. */
  event(n: number): Promise<PaymentEvent>;
  /** Calls an emulator control route with the API key. */
  control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startCheckoutFixture(): Promise<CheckoutFixture> {
  const receiver = await startReceiver();
  const emulator = await startPaymentEmulator({
    apiKey: TEST_API_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    outcomeDelayMs: 10,
    callbackBackoffBaseMs: 20,
    callbackMaxAttempts: 4,
  });
  const provider = createPaymentProvider({ baseUrl: emulator.baseUrl, apiKey: TEST_API_KEY });
  // The receiver stands in for our api: it also takes /webhooks/payments, where our product's callback URLs point.
  const publicBaseUrl = new URL(receiver.url).origin;
  const events = () => receiver.received.map((r) => parsePaymentEvent(r.rawBody, r.signature, TEST_WEBHOOK_SECRET));
  return {
    emulator,
    provider,
    receiver,
    publicBaseUrl,
    events,
    async event(n) {
      await waitFor(() => receiver.received.length >= n, `callback #${n}`);
      return events()[n - 1]!;
    },
    async control(method, path, body) {
      const res = await fetch(`${emulator.baseUrl}/__emulator${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await emulator.close();
      await receiver.close();
    },
  };
}

/** A payment code as ours look (26 Crockford base-32 characters). */
export function newPaymentCode(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let code = '';
  for (let i = 0; i < 26; i += 1) code += alphabet[Math.floor(Math.random() * alphabet.length)];
  return code;
}

export const DAY_MS = 24 * 3600_000;

/** An NT$ order's checkout as the workflow would open it: deadline in three days, our api at the fixture's receiver. */
export function orderInput(f: CheckoutFixture, overrides: Partial<OrderCheckoutInput> = {}): OrderCheckoutInput {
  const now = Date.now();
  return {
    paymentCode: newPaymentCode(),
    attempt: 1,
    amountMinor: 900,
    currency: 'TWD',
    description: '手作茶杯 x2',
    paymentDeadlineMs: now + 3 * DAY_MS,
    openedAtMs: now,
    publicBaseUrl: f.publicBaseUrl,
    ...overrides,
  };
}
