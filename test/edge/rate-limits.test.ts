import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../src/api/app';
import { edgeRouters } from '../../src/api/edge-routers';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import { startDealHarness, type DealHarness } from '../support/deal-harness';

/**
 * Finding 14 (rate limits): login, OTP and resend, phone binding, link creation, staff and codec
 * calls are limited per user (or staff member) when the request proves one, else per address;
 * the count lives in PostgreSQL so two api processes share it. Over the limit: 429
 * problem+json with Retry-After.
 */
const LIMIT = 2;

describe('rate limits', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness({
      env: {
        RATE_LIMIT_WINDOW_MS: '600000',
        RATE_LIMIT_LOGIN_MAX: String(LIMIT),
        RATE_LIMIT_OTP_MAX: String(LIMIT),
        RATE_LIMIT_OTP_RESEND_MAX: String(LIMIT),
        RATE_LIMIT_PHONE_MAX: String(LIMIT),
        RATE_LIMIT_LINKS_MAX: String(LIMIT),
        RATE_LIMIT_STAFF_MAX: String(LIMIT),
        RATE_LIMIT_CODEC_MAX: String(LIMIT),
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const code = '0'.repeat(26);
  const raw = async (method: string, path: string, headers: Record<string, string> = {}, base = h.baseUrl) => {
    const res = await fetch(`${base}${path}`, { method, headers, redirect: 'manual' });
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      retryAfter: res.headers.get('retry-after'),
      body: await res.text(),
    };
  };
  const expectLimited = (res: { status: number; contentType: string; retryAfter: string | null; body: string }) => {
    expect([res.status, res.contentType]).toEqual([429, expect.stringContaining('application/problem+json')]);
    expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(res.body).type).toMatch(/too-many-requests$/);
  };

  type Family = [string, string, string, 'user' | 'staff' | 'none'];
  const families: Family[] = [
    ['login', 'GET', '/auth/line/login?next=/pages/track', 'none'],
    ['codec', 'POST', '/codec/decode', 'none'],
    ['staff', 'GET', '/api/support/disputes', 'staff'],
    ['phone binding', 'POST', '/api/phone-binding', 'user'],
    ['link creation', 'POST', '/api/links', 'user'],
    ['OTP', 'POST', `/api/orders/${code}/otp`, 'user'],
    ['OTP resend', 'POST', `/api/orders/${code}/otp/resend`, 'user'],
  ];

  it.each(families)(
    '%s: the call after the limit answers 429 with Retry-After; another client is not affected',
    async (_name, method, path, who) => {
      const first = who === 'staff' ? h.staff.tokens.agent : who === 'user' ? (await h.newUser()).token : undefined;
      const second = who === 'staff' ? h.staff.tokens.viewer : who === 'user' ? (await h.newUser()).token : undefined;
      const headers = (token: string | undefined, address: string) => ({
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        // Without a proof of identity the client is its address; the harness trusts loopback proxies.
        'x-forwarded-for': address,
      });
      for (let i = 0; i < LIMIT; i += 1) expect((await raw(method, path, headers(first, '203.0.113.7'))).status).not.toBe(429);
      expectLimited(await raw(method, path, headers(first, '203.0.113.7')));
      // A user counts as themselves on any network; another user (or address, for anonymous calls) has their own count.
      if (who !== 'none') expectLimited(await raw(method, path, headers(first, '198.51.100.9')));
      expect((await raw(method, path, headers(second, '198.51.100.10'))).status).not.toBe(429);
    },
  );

  it('two api processes on one database share the count', async () => {
    const other = http.createServer(
      createApiApp({
        knex: h.knex,
        temporal: h.client,
        chat: h.chat,
        settings: h.settings,
        verifier: lineIdentityVerifier(h.settings),
        extraRouters: edgeRouters(h.settings),
      }),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const user = await h.newUser();
      const auth = { authorization: `Bearer ${user.token}` };
      expect((await raw('POST', '/api/links', auth)).status).not.toBe(429);
      expect((await raw('POST', '/api/links', auth, otherUrl)).status).not.toBe(429);
      expectLimited(await raw('POST', '/api/links', auth, otherUrl));
      expectLimited(await raw('POST', '/api/links', auth));
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
