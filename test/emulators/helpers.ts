/** A tiny callback receiver and polling helpers for the emulator tests. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SIGNATURE_HEADER } from '../../src/payment/signature';

export interface ReceivedCallback {
  rawBody: string;
  signature: string | undefined;
  eventId: string;
  /** What the receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  received: ReceivedCallback[];
  /** Decides the HTTP status for the n-th callback (1-based); default always 200. */
  respond: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: () => 200, close: async () => undefined };
  const app = express();
  // Raw bytes: signatures are over the exact body, so the receiver must not re-serialise it.
  // /webhooks/payments too: the product's own callback URLs point there (test/checkout).
  app.post(['/callback', '/webhooks/payments'], express.raw({ type: '*/*' }), (req, res) => {
    const rawBody = (req.body as Buffer).toString('utf8');
    const answered = receiver.respond(receiver.received.length + 1);
    receiver.received.push({
      rawBody,
      signature: req.get(SIGNATURE_HEADER),
      eventId: (JSON.parse(rawBody) as { id: string }).id,
      answered,
    });
    res.status(answered).end();
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  receiver.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return receiver;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Awaits a promise expected to reject and returns the error, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const TEST_API_KEY = 'sk_test_emulator_key';
export const TEST_WEBHOOK_SECRET = 'whsec_test_emulator_secret_0123456789';
