import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { EMULATOR_DEFAULTS, newUserId, startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';
import { verifyIdToken } from '../../src/line/login';
import { CALLBACK_PATH, LOGIN_COOKIE, lineLoginRouter, safeNext } from '../../src/line/login-routes';

/** The login routes against the LINE emulator's LINE Login, over real HTTP. */
describe('LINE Login routes (S109/S110)', () => {
  let line: RunningLineEmulator;
  let server: http.Server;
  let base: string;
  const user = newUserId();

  beforeAll(async () => {
    line = await startLineEmulator({});
    line.state.addUser({ userId: user, displayName: 'Login Lin', friend: false });
    server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const app = express();
    app.use(
      lineLoginRouter({
        channelId: EMULATOR_DEFAULTS.loginChannelId,
        channelSecret: EMULATOR_DEFAULTS.loginChannelSecret,
        publicBaseUrl: base,
        authorizeBaseUrl: line.baseUrl,
        apiBaseUrl: line.baseUrl,
        cookieSecret: 'login-routes-test-cookie-secret-0123456789',
      }),
    );
    server.on('request', app);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await line.close();
  });

  /** Starts a login and walks LINE's screen as `user` (adding the friend), up to our callback URL. */
  async function startLogin(next = '/pages/pay/ABC?lang=en') {
    const start = await fetch(`${base}/auth/line/login?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    authorize.searchParams.set('login_hint', user);
    authorize.searchParams.set('emulator_add_friend', '1');
    const atLine = await fetch(authorize, { redirect: 'manual' });
    expect(atLine.status).toBe(302);
    return { authorize, cookie, callback: new URL(atLine.headers.get('location')!) };
  }

  it('redirects to LINE with bot_prompt=aggressive, state and nonce, and hands a verified ID token to the page', async () => {
    const { authorize, cookie, callback } = await startLogin();
    expect(authorize.origin).toBe(line.baseUrl);
    expect(authorize.searchParams.get('bot_prompt')).toBe('aggressive');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}${CALLBACK_PATH}`);
    const nonce = authorize.searchParams.get('nonce')!;
    expect(nonce.length).toBeGreaterThanOrEqual(20);
    expect(cookie.startsWith(`${LOGIN_COOKIE}=`)).toBe(true);
    expect(line.state.isFriend(user)).toBe(true); // the add-friend screen did its job

    const done = await fetch(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    const html = await done.text();
    const token = /sessionStorage\.setItem\("idToken", "([^"]+)"\)/.exec(html)?.[1];
    expect(html).toContain('location.replace("/pages/pay/ABC?lang=en")');
    const claims = await verifyIdToken(token!, { channelId: EMULATOR_DEFAULTS.loginChannelId, nonce, apiBaseUrl: line.baseUrl });
    expect(claims.sub).toBe(user);
  });

  it("refuses a callback without the cookie, with another login's state, with a tampered cookie, or replayed", async () => {
    const first = await startLogin();
    const second = await startLogin();
    expect((await fetch(first.callback)).status).toBe(400); // no cookie: started in another browser
    expect((await fetch(first.callback, { headers: { cookie: second.cookie } })).status).toBe(400); // state mismatch
    const [name, value] = first.cookie.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;
    expect((await fetch(first.callback, { headers: { cookie: tampered } })).status).toBe(400);
    expect((await fetch(first.callback, { headers: { cookie: first.cookie } })).status).toBe(200);
    // The same code again: LINE refuses a used code, so no second token.
    const again = await fetch(first.callback, { headers: { cookie: first.cookie } });
    expect(again.status).toBe(401);
    expect(await again.text()).not.toContain('sessionStorage');
  });

  it('refuses a login that would leave our pages (no open redirect)', async () => {
    for (const next of [
      '//evil.example/pages/x',
      'https://evil.example/pages/',
      '/api/orders',
      '/pages/\\evil',
      '/pages/../api/x',
      '/pages/%2e%2e/api',
    ]) {
      expect(safeNext(next)).toBeUndefined();
      const res = await fetch(`${base}/auth/line/login?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(safeNext('/pages/track/TX-ABCD-EFGH?lang=en')).toBe('/pages/track/TX-ABCD-EFGH?lang=en');
  });
});
