import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startOidcEmulator, type RunningOidcEmulator } from '../../src/emulators/oidc';

/**
 * The OIDC provider emulator against a maintained relying-party library (openid-client) and a
 * verifier (jose): what works with them works with a real provider that keeps the same contract.
 */
const REDIRECT = 'http://127.0.0.1:9/callback';
const CONFIDENTIAL = {
  clientId: 'console',
  clientSecret: 'console-secret-0123456789abcdef',
  redirectUris: [REDIRECT],
  audience: 'escrow-api',
};
const PUBLIC = { clientId: 'spa', redirectUris: [REDIRECT] };

let idp: RunningOidcEmulator;
beforeAll(async () => {
  idp = await startOidcEmulator({
    users: [{ sub: 'amy', name: 'Amy Agent', email: 'amy@example.test', claims: { escrow_roles: ['agent'] } }],
    clients: [CONFIDENTIAL, PUBLIC],
    audiences: ['escrow-api', 'other-api'],
  });
});
afterAll(() => idp?.close());

const configFor = (
  c: { clientId: string; clientSecret?: string },
  auth = c.clientSecret ? client.ClientSecretBasic(c.clientSecret) : client.None(),
) => client.discovery(new URL(idp.baseUrl), c.clientId, undefined, auth, { execute: [client.allowInsecureRequests] });

/** The browser's part: the sign-in page, then a click on a person; returns where the provider sends the browser back. */
async function signInAs(authorizeUrl: URL, sub: string): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Sign in as Amy Agent');
  const link = /href="([^"]*emulator_user=[^"]*)"/.exec(html)![1].replace(/&#38;/g, '&');
  expect(new URL(link, idp.baseUrl).searchParams.get('emulator_user')).toBe(sub);
  const back = await fetch(new URL(link, idp.baseUrl), { redirect: 'manual' });
  expect(back.status).toBe(302);
  return new URL(back.headers.get('location')!);
}

describe('OIDC provider emulator', () => {
  it('discovery names itself as issuer; the code flow with PKCE gives tokens that jose verifies with the published keys', async () => {
    const config = await configFor(CONFIDENTIAL);
    expect(config.serverMetadata().issuer).toBe(idp.baseUrl);
    expect(config.serverMetadata().code_challenge_methods_supported).toEqual(['S256']);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await signInAs(url, 'amy');
    expect(callback.searchParams.get('iss')).toBe(idp.baseUrl);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()).toMatchObject({ sub: 'amy', aud: 'console', name: 'Amy Agent', escrow_roles: ['agent'] });

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: idp.baseUrl,
      audience: 'escrow-api',
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toBe(idp.state.keys[0].kid);
    expect(payload).toMatchObject({ sub: 'amy', client_id: 'console', escrow_roles: ['agent'], scope: 'openid profile' });

    const info = await client.fetchUserInfo(config, tokens.access_token, 'amy');
    expect(info).toMatchObject({ sub: 'amy', email: 'amy@example.test', escrow_roles: ['agent'] });

    // Refresh tokens rotate: the new one works once, the old one never again.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await jwtVerify(refreshed.access_token, jwks, { issuer: idp.baseUrl, audience: 'escrow-api' })).payload.sub).toBe('amy');
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a code is single use, bound to its verifier, its client and its redirect URI', async () => {
    const config = await configFor(CONFIDENTIAL, client.ClientSecretPost(CONFIDENTIAL.clientSecret));
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const code = (await signInAs(url, 'amy')).searchParams.get('code')!;
    const exchange = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${idp.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      });
    const basic = `Basic ${Buffer.from(`${CONFIDENTIAL.clientId}:${CONFIDENTIAL.clientSecret}`).toString('base64')}`;
    const wrong = await exchange(
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: client.randomPKCECodeVerifier() },
      { authorization: basic },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier/) });
    // The failed attempt used the code up: even the right verifier is now refused.
    const again = await exchange(
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
      { authorization: basic },
    );
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

    const badSecret = await exchange(
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT },
      { authorization: `Basic ${Buffer.from('console:nope').toString('base64')}` },
    );
    expect(badSecret.status).toBe(401);
    expect(badSecret.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await badSecret.json()).toMatchObject({ error: 'invalid_client' });
    expect((await exchange({ grant_type: 'password', username: 'amy' })).status).toBe(400);
    expect(await (await exchange({ grant_type: 'password' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('refuses what a real provider refuses at /authorize: unregistered redirect URIs get a page, the rest go back with an error', async () => {
    const authorize = (params: Record<string, string>) =>
      fetch(`${idp.baseUrl}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const unregistered = await authorize({
      response_type: 'code',
      client_id: 'console',
      redirect_uri: 'http://evil.test/cb',
      scope: 'openid',
    });
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get('location')).toBeNull();
    const errorOf = async (params: Record<string, string>) => {
      const res = await authorize({ response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 's1', ...params });
      expect(res.status).toBe(302);
      const back = new URL(res.headers.get('location')!);
      expect(back.searchParams.get('state')).toBe('s1');
      return back.searchParams.get('error');
    };
    expect(await errorOf({ client_id: 'spa' })).toBe('invalid_request'); // public client without PKCE
    expect(await errorOf({ client_id: 'spa', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({ client_id: 'console', scope: 'profile' })).toBe('invalid_scope');
    expect(await errorOf({ client_id: 'console', response_type: 'token' })).toBe('unsupported_response_type');
    expect(await errorOf({ client_id: 'console', audience: 'somebody-else' })).toBe('invalid_target');
    expect(await errorOf({ client_id: 'console', emulator_cancel: '1' })).toBe('access_denied');
  });

  it('a public client signs in with PKCE alone; audience chooses the API', async () => {
    const config = await configFor(PUBLIC);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      audience: 'other-api',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const tokens = await client.authorizationCodeGrant(config, await signInAs(url, 'amy'), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    const jwks = createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`));
    expect((await jwtVerify(tokens.access_token, jwks, { issuer: idp.baseUrl, audience: 'other-api' })).payload.client_id).toBe('spa');
  });

  it('fault switches fail the next requests; a rotated key is published beside the old one until retired', async () => {
    await fetch(`${idp.baseUrl}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1, status: 503 }),
    });
    expect((await fetch(`${idp.baseUrl}/jwks`)).status).toBe(503);
    expect((await fetch(`${idp.baseUrl}/jwks`)).status).toBe(200);

    const minted = await (
      await fetch(`${idp.baseUrl}/__emulator/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'amy', ttlSeconds: 60 }),
      })
    ).json();
    const old = idp.state.keys[0].kid;
    idp.state.rotateKeys();
    const keys = async () =>
      ((await (await fetch(`${idp.baseUrl}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    expect(await keys()).toEqual([idp.state.keys[0].kid, old]);
    const jwks = createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`));
    expect((await jwtVerify(minted.access_token, jwks, { issuer: idp.baseUrl, audience: 'escrow-api' })).payload.sub).toBe('amy');
    idp.state.rotateKeys({ retireOld: true });
    expect(await keys()).toHaveLength(1);
    await expect(
      jwtVerify(minted.access_token, createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`)), { issuer: idp.baseUrl, audience: 'escrow-api' }),
    ).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});
