import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireUser } from '../../src/api/identity';
import { problemHandler } from '../../src/api/problem';
import { loadSettings } from '../../src/config/settings';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import { EMULATOR_DEFAULTS, newUserId, startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';

/**
 * Finding 10: a verified ID token is never accepted past its exp, even from the cache; refusals
 * are remembered briefly, so the same bogus bearer string costs LINE's verify endpoint one call.
 */
describe('ID token verification cache', () => {
  let line: RunningLineEmulator;
  beforeAll(async () => {
    line = await startLineEmulator({});
  });
  afterAll(async () => {
    await line?.close();
  });

  const verifierFor = (env: Record<string, string> = {}) =>
    lineIdentityVerifier(
      loadSettings({
        LINE_CHANNEL_ID: EMULATOR_DEFAULTS.loginChannelId,
        LINE_API_BASE_URL: line.baseUrl,
        ...env,
      }),
    );

  const idToken = async (userId: string, ttlSeconds: number): Promise<{ token: string; expMs: number }> => {
    const res = await fetch(`${line.baseUrl}/__emulator/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ttlSeconds }),
    });
    const { idToken: token } = (await res.json()) as { idToken: string };
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number };
    return { token, expMs: exp * 1000 };
  };

  it('accepts a short-lived token before its exp and refuses it right after, although it was cached', async () => {
    const verifier = verifierFor({ ID_TOKEN_CACHE_MS: '600000' });
    const userId = newUserId();
    line.state.addUser({ userId, displayName: 'short-lived', friend: true });
    const { token, expMs } = await idToken(userId, 2);
    expect(await verifier.verify(token)).toBe(userId);
    const before = line.state.idTokenVerifyRequests;
    expect(await verifier.verify(token)).toBe(userId); // from the cache
    expect(line.state.idTokenVerifyRequests).toBe(before);
    await new Promise((r) => setTimeout(r, Math.max(0, expMs - Date.now()) + 50));
    expect(await verifier.verify(token)).toBeUndefined();
  });

  it('N identical bogus tokens cost LINE one verify call, at once or one after another', async () => {
    const verifier = verifierFor();
    const bogus = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'Uxxxx', exp: 4102444800 })).toString('base64url')}.forged-signature`;
    const before = line.state.idTokenVerifyRequests;
    const together = await Promise.all(Array.from({ length: 25 }, () => verifier.verify(bogus)));
    expect(together.every((u) => u === undefined)).toBe(true);
    for (let i = 0; i < 25; i += 1) expect(await verifier.verify(bogus)).toBeUndefined();
    expect(line.state.idTokenVerifyRequests - before).toBe(1);
  });

  it('a string that is not a JWT, or a token whose exp has passed, costs LINE nothing', async () => {
    const verifier = verifierFor();
    const userId = newUserId();
    line.state.addUser({ userId, displayName: 'expired', friend: true });
    const expired = await idToken(userId, -10);
    const before = line.state.idTokenVerifyRequests;
    for (const junk of ['hello', 'a.b.c', '....', 'x'.repeat(4000), expired.token]) expect(await verifier.verify(junk)).toBeUndefined();
    expect(line.state.idTokenVerifyRequests).toBe(before);
  });

  it('a refusal is only remembered briefly: a setting, and then LINE is asked again', async () => {
    const verifier = verifierFor({ ID_TOKEN_REFUSAL_CACHE_MS: '1' });
    const bogus = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'Uyyyy', exp: 4102444800 })).toString('base64url')}.another-forgery`;
    const before = line.state.idTokenVerifyRequests;
    expect(await verifier.verify(bogus)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(await verifier.verify(bogus)).toBeUndefined();
    expect(line.state.idTokenVerifyRequests - before).toBe(2);
  });

  it('when LINE Login cannot be reached the caller is told to retry (503), not to log in again', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const verifier = lineIdentityVerifier(
      loadSettings({ LINE_CHANNEL_ID: EMULATOR_DEFAULTS.loginChannelId, LINE_API_BASE_URL: deadUrl, LINE_LOGIN_TIMEOUT_MS: '500' }),
    );
    const app = express();
    app.get(
      '/who',
      requireUser(verifier, () => '/login'),
      (_req, res) => void res.json({ ok: true }),
    );
    app.use(problemHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const userId = newUserId();
      line.state.addUser({ userId, displayName: 'offline', friend: true });
      const { token } = await idToken(userId, 600);
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/who`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect([res.status, res.headers.get('content-type'), res.headers.get('retry-after')]).toEqual([
        503,
        expect.stringContaining('application/problem+json'),
        '5',
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
