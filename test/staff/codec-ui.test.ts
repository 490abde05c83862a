import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { dataConverterFor } from '../../src/temporal/codec';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { TEST_AUDIENCE, TEST_STAFF } from '../support/staff-identity';
import { chromiumAvailable, launchBrowser, screenshot } from '../pages/browser';
import { signInToConsole } from '../pages/staff-sign-in';

/**
 * The Temporal UI decodes our payloads through the codec endpoint, driven exactly as the UI's
 * codec client does it (temporalio/ui, src/lib/services/data-encoder.ts: `POST
 * {endpoint}/decode?preserveStorageRefs=true` with Content-Type, X-Namespace, and - with
 * codec.passAccessToken - `Authorization: Bearer <access token>` plus `Authorization-Extras:
 * <ID token>`; with codec.includeCredentials, `credentials: 'include'`). The UI's access token
 * comes from the same identity provider, through the flow the UI's server runs (a confidential
 * client, code without PKCE, the `audience` option, client_secret_basic).
 */
const UI_CLIENT = { clientId: 'temporal-ui', clientSecret: 'temporal-ui-client-secret-0123456789' };
const SECRET_TEXT = 'buyer phone 0912-345-678';

/** A stand-in for the Temporal UI's origin: a blank page the browser runs the UI's fetch from. */
async function startUiOrigin(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Temporal UI (stand-in)</title><h1>Temporal UI</h1>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('the Temporal UI decodes payloads with its own access token', () => {
  let h: DealHarness;
  let ui: Awaited<ReturnType<typeof startUiOrigin>>;
  let encodedBody: string;
  beforeAll(async () => {
    ui = await startUiOrigin();
    h = await startDealHarness({ env: { TEMPORAL_UI_ORIGINS: ui.origin } });
    h.staff.idp.state.addClient({ ...UI_CLIENT, redirectUris: [`${ui.origin}/auth/sso/callback`], name: 'Temporal UI' });
    const [encoded] = await dataConverterFor(h.settings.keys.payload).payloadCodecs[0].encode([
      defaultPayloadConverter.toPayload({ note: SECRET_TEXT }),
    ]);
    encodedBody = JSON.stringify({ payloads: [toJson(encoded)] });
  });
  afterAll(async () => {
    await h?.close();
    await ui?.close();
  });

  /** The UI server's sign-in (golang oauth2 + go-oidc): state and nonce, no PKCE, audience from its provider options, HTTP Basic at the token endpoint. */
  async function uiSignIn(sub: string): Promise<{ accessToken: string; idToken: string }> {
    const authorize = new URL('/authorize', h.staff.idp.baseUrl);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: UI_CLIENT.clientId,
      redirect_uri: `${ui.origin}/auth/sso/callback`,
      scope: 'openid profile email',
      state: 'ui-state',
      nonce: 'ui-nonce',
      audience: TEST_AUDIENCE,
      emulator_user: sub,
    }))
      authorize.searchParams.set(k, v);
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('ui-state');
    const token = await fetch(new URL('/token', h.staff.idp.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${UI_CLIENT.clientId}:${UI_CLIENT.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: `${ui.origin}/auth/sso/callback`,
      }),
    });
    const body = (await token.json()) as { access_token: string; id_token: string };
    return { accessToken: body.access_token, idToken: body.id_token };
  }

  const uiHeaders = (accessToken?: string, idToken?: string) => ({
    'Content-Type': 'application/json',
    'X-Namespace': h.settings.temporalNamespace,
    ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
    ...(idToken ? { 'Authorization-Extras': idToken } : {}),
  });
  const decodeUrl = () => `${h.baseUrl}/codec/decode?preserveStorageRefs=true`;

  it("answers the browser's preflight for every header the UI sends, then decodes for an operator; audited", async () => {
    const { accessToken, idToken } = await uiSignIn(TEST_STAFF.operator.sub);
    const requested = Object.keys(uiHeaders(accessToken, idToken))
      .map((n) => n.toLowerCase())
      .sort()
      .join(',');
    const preflight = await fetch(decodeUrl(), {
      method: 'OPTIONS',
      headers: { origin: ui.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requested },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui.origin);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    // A browser drops the request when any requested header is not allowed (Authorization-Extras was not).
    expect(requested.split(',').filter((name) => !allowed.includes(name))).toEqual([]);

    const before = await h.knex('audit_log').where({ action: 'codec.decoded' }).count('* as n').first();
    const res = await fetch(decodeUrl(), {
      method: 'POST',
      headers: { origin: ui.origin, ...uiHeaders(accessToken, idToken) },
      body: encodedBody,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ui.origin);
    expect(decoded(await res.json())).toEqual({ note: SECRET_TEXT });
    const audit = await h.knex('audit_log').where({ action: 'codec.decoded' }).orderBy('seq', 'desc').first('actor', 'subject', 'details');
    expect(audit).toMatchObject({
      actor: `support:${TEST_STAFF.operator.sub}`,
      subject: `namespace:${h.settings.temporalNamespace}`,
      details: { payloads: 1, via: 'bearer' },
    });
    expect(Number((await h.knex('audit_log').where({ action: 'codec.decoded' }).count('* as n').first())!.n)).toBe(Number(before!.n) + 1);
  });

  it('refuses, as problem+json and without the data: no token, a staff token without the operator role, another audience, an expired token; other origins get no CORS', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(decodeUrl(), { method: 'POST', headers: { origin: ui.origin, ...headers }, body: encodedBody });
    const expectRefused = async (res: Response, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await res.text()).not.toContain(SECRET_TEXT);
    };
    const none = await call(uiHeaders());
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expectRefused(none, 401);
    await expectRefused(await call(uiHeaders((await uiSignIn(TEST_STAFF.agent.sub)).accessToken)), 403);
    h.staff.idp.state.audiences.push('another-api');
    await expectRefused(
      await call(uiHeaders(h.staff.idp.state.mint({ sub: TEST_STAFF.operator.sub, audience: 'another-api' }).accessToken)),
      401,
    );
    await expectRefused(
      await call(
        uiHeaders(h.staff.idp.state.mint({ sub: TEST_STAFF.operator.sub, claims: { exp: Math.floor(Date.now() / 1000) - 1 } }).accessToken),
      ),
      401,
    );
    const admin = await call(uiHeaders((await uiSignIn(TEST_STAFF.admin.sub)).accessToken));
    expect(admin.status).toBe(200);

    const foreign = await fetch(decodeUrl(), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  (chromiumAvailable ? describe : describe.skip)("in Chromium, from the UI's origin", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** The UI's codec request, run by the browser (which makes the preflight and enforces CORS). */
    const uiDecode = (
      page: import('playwright-core').Page,
      args: { url: string; headers: Record<string, string>; body: string; includeCredentials: boolean },
    ) =>
      page.evaluate(async ({ url, headers, body, includeCredentials }) => {
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body,
            ...(includeCredentials ? { credentials: 'include' as RequestCredentials } : {}),
          });
          return { status: res.status, body: await res.text() };
        } catch (err) {
          return { status: 0, body: String(err) };
        }
      }, args);

    it("with passAccessToken (Bearer + Authorization-Extras) and with includeCredentials (the console's session, how the dev server's UI gets in)", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(ui.origin);
      const { accessToken, idToken } = await uiSignIn(TEST_STAFF.operator.sub);
      const withToken = await uiDecode(page, {
        url: decodeUrl(),
        headers: uiHeaders(accessToken, idToken),
        body: encodedBody,
        includeCredentials: false,
      });
      expect(withToken.status).toBe(200);
      expect(decoded(JSON.parse(withToken.body))).toEqual({ note: SECRET_TEXT });

      // No token, no session yet: refused (the browser still reads the problem thanks to CORS).
      expect((await uiDecode(page, { url: decodeUrl(), headers: uiHeaders(), body: encodedBody, includeCredentials: true })).status).toBe(
        401,
      );

      // The operator signs in to our console in the same browser; the UI's credentialed call carries that session.
      const consolePage = await context.newPage();
      await consolePage.goto(`${h.baseUrl}/pages/support?lang=en`);
      await signInToConsole(consolePage, 'operator');
      const withSession = await uiDecode(page, { url: decodeUrl(), headers: uiHeaders(), body: encodedBody, includeCredentials: true });
      expect(withSession.status).toBe(200);
      expect(decoded(JSON.parse(withSession.body))).toEqual({ note: SECRET_TEXT });
      await page.setContent(
        `<h1>Temporal UI (stand-in)</h1><p>decoded through the codec endpoint:</p><pre>${JSON.stringify(decoded(JSON.parse(withSession.body)))}</pre>`,
      );
      await screenshot(page, 'codec-decoded-from-ui-origin');
      await context.close();
    });
  });
});

function toJson(payload: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

function decoded(body: { payloads: Array<{ metadata: Record<string, string>; data: string }> }): unknown {
  const [p] = body.payloads;
  return defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  });
}
