import { createHmac } from 'node:crypto';
import { rolesIn } from '../../src/api/staff-auth';
import { startOidcEmulator } from '../../src/emulators/oidc';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { TEST_CONSOLE_CLIENT, TEST_STAFF } from '../support/staff-identity';

/**
 * Staff identity at the api: access tokens are verified (signature by the provider's published
 * keys, issuer, audience, exp, an asymmetric algorithm), roles come from the configured claim,
 * the console's sign-in runs the code flow with PKCE and opens an HttpOnly session whose changes
 * need a CSRF token, and a provider we cannot reach is a 503, never a 401 or a 500.
 */
describe('staff identity at the api', () => {
  let h: DealHarness;
  // Keys are read again as soon as a token names one we do not have (the rotation case below).
  beforeAll(async () => {
    h = await startDealHarness({ env: { OIDC_JWKS_COOLDOWN_MS: '0' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const disputes = (token?: string, headers: Record<string, string> = {}) =>
    h.call('GET', '/api/support/disputes', token, undefined, headers);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it("accepts the provider's tokens and refuses forged, expired, foreign and role-less ones", async () => {
    const { idp } = h.staff;
    expect((await disputes(h.staff.tokens.viewer)).status).toBe(200);
    const refused = async (token: string, status = 401) => {
      const res = await disputes(token);
      expect(res.status).toBe(status);
      expect(res.contentType).toMatch(/application\/problem\+json/);
    };
    await refused(idp.state.mint({ sub: TEST_STAFF.agent.sub, claims: { exp: Math.floor(Date.now() / 1000) - 1 } }).accessToken);
    await refused(idp.state.mint({ sub: TEST_STAFF.agent.sub, audience: 'some-other-api' }).accessToken);
    await refused(idp.state.mint({ sub: TEST_STAFF.agent.sub, claims: { iss: 'https://login.evil.test' } }).accessToken);

    // Another provider's keys, even for the same names and issuer claim: the signature does not verify.
    const other = await startOidcEmulator({ users: [{ sub: TEST_STAFF.admin.sub, name: 'Mallory', claims: { escrow_roles: ['admin'] } }] });
    try {
      await refused(other.state.mint({ sub: TEST_STAFF.admin.sub, claims: { iss: idp.baseUrl } }).accessToken);
    } finally {
      await other.close();
    }
    // The same claims unsigned (alg none) or HMAC-signed with a guessable secret: not an allowed algorithm.
    const claims = {
      iss: idp.baseUrl,
      aud: 'escrow-api',
      sub: TEST_STAFF.admin.sub,
      exp: Math.floor(Date.now() / 1000) + 600,
      escrow_roles: ['admin'],
    };
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: idp.state.keys[0].kid })}.${b64(claims)}`;
    await refused(`${hsInput}.${createHmac('sha256', TEST_CONSOLE_CLIENT.clientSecret).update(hsInput).digest('base64url')}`);
    // A tampered payload under a real signature.
    const [header, , signature] = h.staff.tokens.viewer.split('.');
    await refused(`${header}.${b64({ ...claims, escrow_roles: ['admin'] })}.${signature}`);
    await refused('not-a-jwt');

    // Known but without a support role: authenticated, not allowed.
    const nobody = await disputes(h.staff.tokens.nobody);
    expect(nobody.status).toBe(403);
    expect(nobody.body.detail).toMatch(/viewer role/);
  });

  it('keys the provider rotates are read again when a token names a new one; the old key, still published, still verifies', async () => {
    const { idp } = h.staff;
    const before = idp.state.jwksRequests;
    idp.state.rotateKeys();
    const fresh = idp.state.mint({ sub: TEST_STAFF.viewer.sub }).accessToken;
    expect((await disputes(fresh)).status).toBe(200);
    expect(idp.state.jwksRequests).toBeGreaterThan(before); // an unknown kid made the api read the JWKS again
    expect((await disputes(h.staff.tokens.viewer)).status).toBe(200); // the old key is still published
  });

  it('reads roles from the configured claim: a list, a delimited string, a nested path, a namespaced name', () => {
    expect(rolesIn({ escrow_roles: ['agent', 'operator', 'root'] }, 'escrow_roles')).toEqual(['agent', 'operator']);
    expect(rolesIn({ roles: 'viewer admin' }, 'roles')).toEqual(['viewer', 'admin']);
    expect(rolesIn({ realm_access: { roles: ['agent'] } }, 'realm_access.roles')).toEqual(['agent']);
    expect(rolesIn({ 'https://escrow.example/roles': 'agent,viewer' }, 'https://escrow.example/roles')).toEqual(['viewer', 'agent']);
    expect(rolesIn({}, 'escrow_roles')).toEqual([]);
  });

  it("the console's sign-in: code flow with PKCE, an HttpOnly SameSite=Strict session, CSRF on changes, sign-out ends it; all audited", async () => {
    const login = await fetch(`${h.baseUrl}/auth/staff/login?next=${encodeURIComponent('/pages/support?lang=en')}`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin).toBe(h.staff.idp.baseUrl);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: TEST_CONSOLE_CLIENT.clientId,
      code_challenge_method: 'S256',
      redirect_uri: `${h.baseUrl}/auth/staff/callback`,
      state: expect.any(String),
      nonce: expect.any(String),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    });
    const flowCookie = login.headers.get('set-cookie')!;
    expect(flowCookie).toMatch(/^staff_sign_in=.*HttpOnly.*SameSite=Lax/i);
    const flow = flowCookie.split(';')[0];

    authorize.searchParams.set('emulator_user', TEST_STAFF.agent.sub);
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    // Without the browser's flow cookie (another browser, or a forged link): no session.
    const stranger = await fetch(back, { redirect: 'manual' });
    expect(new URL(stranger.headers.get('location')!, h.baseUrl).searchParams.get('signin_error')).toBe('expired');
    expect(stranger.headers.get('set-cookie') ?? '').not.toMatch(/staff_session=[^;]/);

    // A sign-in in one browser: the flow cookie comes back with the provider's answer.
    const login2 = await fetch(`${h.baseUrl}/auth/staff/login?next=%2Fpages%2Fsupport`, { redirect: 'manual' });
    const authorize2 = new URL(login2.headers.get('location')!);
    authorize2.searchParams.set('emulator_user', TEST_STAFF.agent.sub);
    const back2 = new URL((await fetch(authorize2, { redirect: 'manual' })).headers.get('location')!);
    const callback = await fetch(back2, { redirect: 'manual', headers: { cookie: login2.headers.get('set-cookie')!.split(';')[0] } });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/pages/support');
    const sessionCookie = callback.headers.getSetCookie().find((c) => c.startsWith('staff_session='))!;
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Strict/i);
    expect(sessionCookie).toMatch(/Path=\//);
    const cookie = sessionCookie.split(';')[0];
    expect(flow).not.toBe(cookie);

    const session = await h.call('GET', '/auth/staff/session', undefined, undefined, { cookie });
    expect(session.body).toMatchObject({ staffId: TEST_STAFF.agent.sub, roles: ['agent'], role: 'agent', csrfToken: expect.any(String) });
    expect((await disputes(undefined, { cookie })).status).toBe(200);

    // A change with the cookie alone is refused (and writes nothing); with the CSRF token it goes through.
    const entry = { keyType: 'order_number', value: `CSRF-${Date.now()}`, reason: 'csrf test' };
    const auditBefore = await h.knex('audit_log').count('* as n').first();
    const forged = await h.call('POST', '/api/support/watchlist', undefined, entry, { cookie });
    expect(forged.status).toBe(403);
    expect(forged.body.type).toMatch(/csrf-token-required$/);
    expect(await h.knex('audit_log').count('* as n').first()).toEqual(auditBefore);
    expect(
      (await h.call('POST', '/api/support/watchlist', undefined, entry, { cookie, 'x-csrf-token': session.body.csrfToken })).status,
    ).toBe(201);

    expect((await h.call('POST', '/auth/staff/logout', undefined, undefined, { cookie })).status).toBe(403);
    expect(
      (await h.call('POST', '/auth/staff/logout', undefined, undefined, { cookie, 'x-csrf-token': session.body.csrfToken })).status,
    ).toBe(204);
    expect((await disputes(undefined, { cookie })).status).toBe(401);
    const audit = await h
      .knex('audit_log')
      .where({ actor: `support:${TEST_STAFF.agent.sub}` })
      .whereIn('action', ['staff.signed_in', 'staff.signed_out'])
      .orderBy('seq', 'desc')
      .limit(2)
      .select('action');
    expect(audit.map((a) => a.action)).toEqual(['staff.signed_out', 'staff.signed_in']);
  });

  it('a sign-in the provider refuses, or for someone without a staff role, opens no session and says why', async () => {
    const signIn = async (params: Record<string, string>) => {
      const login = await fetch(`${h.baseUrl}/auth/staff/login?next=%2Fpages%2Fsupport`, { redirect: 'manual' });
      const authorize = new URL(login.headers.get('location')!);
      for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
      const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
      const callback = await fetch(back, { redirect: 'manual', headers: { cookie: login.headers.get('set-cookie')!.split(';')[0] } });
      expect(callback.headers.getSetCookie().some((c) => /^staff_session=[^;]/.test(c))).toBe(false);
      return new URL(callback.headers.get('location')!, h.baseUrl).searchParams.get('signin_error');
    };
    expect(await signIn({ emulator_cancel: '1' })).toBe('refused');
    expect(await signIn({ emulator_user: TEST_STAFF.nobody.sub })).toBe('no-role');
    // A PKCE challenge that is not the one our verifier answers: the provider refuses the exchange.
    expect(await signIn({ emulator_user: TEST_STAFF.agent.sub, code_challenge: 'A'.repeat(43) })).toBe('refused');
  });
});

describe('staff identity behind https, and when the provider cannot be reached', () => {
  let h: DealHarness;
  const PUBLIC = 'https://escrow.example';
  beforeAll(async () => {
    h = await startDealHarness({ env: { PUBLIC_BASE_URL: PUBLIC } });
    const client = h.staff.idp.state.clients.get(TEST_CONSOLE_CLIENT.clientId)!;
    h.staff.idp.state.addClient({ ...client, redirectUris: [`${PUBLIC}/auth/staff/callback`] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 with Retry-After (not 401, not 500) and recovers when the provider is back', async () => {
    // The api has not fetched discovery or keys yet: the provider fails the next requests.
    h.staff.idp.state.faults.set({ failNext: 4, status: 503 });
    const down = await h.call('GET', '/api/support/disputes', h.staff.tokens.viewer);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.body.type).toMatch(/identity-unavailable$/);
    h.staff.idp.state.faults.reset();
    expect((await h.call('GET', '/api/support/disputes', h.staff.tokens.viewer)).status).toBe(200);
  });

  it('served over https, the session cookie is Secure and __Host- prefixed, and the flow cookie Secure', async () => {
    const login = await fetch(`${h.baseUrl}/auth/staff/login?next=%2Fpages%2Fsupport`, { redirect: 'manual' });
    expect(login.headers.get('set-cookie')).toMatch(/^staff_sign_in=.*; Secure/i);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC}/auth/staff/callback`);
    authorize.searchParams.set('emulator_user', TEST_STAFF.agent.sub);
    // The provider sends the browser to the public address; here it reaches this api directly.
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    const callback = await fetch(`${h.baseUrl}${back.pathname}${back.search}`, {
      redirect: 'manual',
      headers: { cookie: login.headers.get('set-cookie')!.split(';')[0] },
    });
    const session = callback.headers.getSetCookie().find((c) => c.startsWith('__Host-staff_session='));
    expect(session).toMatch(/; Path=\/;.*HttpOnly.*Secure.*SameSite=Strict/i);
    expect(session).not.toMatch(/Domain=/i);
  });
});
