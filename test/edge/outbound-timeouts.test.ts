import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../../src/config/settings';
import { createLineAdapter } from '../../src/line/adapter';
import { LineUnavailable } from '../../src/line/errors';
import { exchangeCode, getFriendship, LineLoginUnavailable, verifyIdToken } from '../../src/line/login';
import { createBankCenter } from '../../src/bankcenter';
import { createPaymentProvider } from '../../src/payment';
import { createPayoutProvider } from '../../src/payout';
import { providerClientOptions } from '../../src/runtime/system';

/**
 * Finding 14 (outbound half): every outside call has a time limit. A server that accepts the
 * connection and never answers (or answers the headers and then stalls) gives each client a
 * typed, retryable failure, not a hang. Jest's per-test timeout is the hang detector.
 */
const HANG_TEST_TIMEOUT_MS = 15_000;
const CLIENT_TIMEOUT_MS = 200;

describe('outbound calls to a server that never answers', () => {
  let silent: http.Server;
  let stalling: http.Server;
  let silentUrl: string;
  let stallingUrl: string;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    silent = http.createServer((_req, res) => {
      held.push(res);
    });
    stalling = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      held.push(res);
    });
    for (const server of [silent, stalling]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const server of [silent, stalling]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it(
    'LINE Messaging API (via @line/bot-sdk): push and profile end in LineUnavailable',
    async () => {
      const adapter = createLineAdapter({
        channelAccessToken: 'token',
        apiBaseUrl: silentUrl,
        timeoutMs: CLIENT_TIMEOUT_MS,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      });
      await expect(
        adapter.push('U' + '1'.repeat(32), [{ type: 'text', text: 'hi' }], '123e4567-e89b-12d3-a456-426614174000'),
      ).rejects.toBeInstanceOf(LineUnavailable);
      await expect(adapter.getProfile('U' + '1'.repeat(32))).rejects.toThrow(/did not answer within 200 ms/);
    },
    HANG_TEST_TIMEOUT_MS,
  );

  it('LINE_API_TIMEOUT_MS reaches the adapter the system builds', () => {
    expect(loadSettings({ LINE_API_TIMEOUT_MS: '1234' }).line.apiTimeoutMs).toBe(1234);
  });

  it.each([
    ['silent', () => silentUrl],
    ['stalling after the headers', () => stallingUrl],
  ])(
    'LINE Login (%s): verify, token and friendship end in a retryable LineLoginUnavailable',
    async (_what, url) => {
      const options = { apiBaseUrl: url(), timeoutMs: CLIENT_TIMEOUT_MS };
      for (const call of [
        () => verifyIdToken('a.b.c', { ...options, channelId: '1' }),
        () => exchangeCode({ ...options, code: 'c', redirectUri: 'https://x.example/cb', channelId: '1', channelSecret: 's' }),
        () => getFriendship('access', options),
      ]) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(LineLoginUnavailable);
        expect((err as LineLoginUnavailable).retryable).toBe(true);
      }
    },
    HANG_TEST_TIMEOUT_MS,
  );

  it(
    'payment provider, bank center and payout provider, built from their *_TIMEOUT_MS settings',
    async () => {
      const settings = loadSettings({
        PAYMENT_BASE_URL: silentUrl,
        PAYMENT_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
        BANKCENTER_BASE_URL: stallingUrl,
        BANKCENTER_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
        PAYOUT_BASE_URL: silentUrl,
        PAYOUT_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
      });
      const calls: Array<() => Promise<unknown>> = [
        () => createPaymentProvider(providerClientOptions(settings.payments)).getCharge('ch_1'),
        () => createBankCenter(providerClientOptions(settings.bankCenter)).getVerification('v_1'),
        () => createPayoutProvider(providerClientOptions(settings.payouts)).statement(),
      ];
      for (const call of calls) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ retryable: true });
        expect((err as Error).name).toMatch(/Unavailable$/);
      }
    },
    HANG_TEST_TIMEOUT_MS,
  );
});
