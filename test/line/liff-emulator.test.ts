import { createPublicKey, verify } from 'node:crypto';
import { LineLoginRefused, verifyIdToken } from '../../src/line';
import { EMULATOR_DEFAULTS, RunningLineEmulator, newUserId, startLineEmulator } from '../../src/emulators/line';

/**
 * The LINE emulator's LIFF (src/emulators/line/liff.ts): what LINE's LIFF browser is handed when
 * a user taps a LIFF URL, and the api.line.me endpoints the SDK and our server call with it. The
 * browser side (the real @line/liff in Chromium) is test/pages/liff-in-line.test.ts.
 */
const CHANNEL_ID = EMULATOR_DEFAULTS.loginChannelId;
const LIFF_ID = `${CHANNEL_ID}-AbCdEfGh`;
const ENDPOINT = 'https://escrow.example/';
const ORIGIN = 'https://escrow.example';

function part(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString()) as Record<string, unknown>;
}

describe("the LINE emulator's LIFF", () => {
  let now: number;
  let emulator: RunningLineEmulator;
  const user = newUserId();

  beforeEach(async () => {
    now = Date.now();
    emulator = await startLineEmulator({ now: () => now });
    emulator.state.addUser({ userId: user, displayName: 'Seller Lin', friend: true });
  });
  afterEach(() => emulator.close());

  const register = (body: object) =>
    fetch(`${emulator.baseUrl}/__emulator/liff/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const open = async (liffUrl: string, idTokenTtlSeconds?: number) => {
    const res = await fetch(`${emulator.baseUrl}/__emulator/liff/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user, liffUrl, ...(idTokenTtlSeconds === undefined ? {} : { idTokenTtlSeconds }) }),
    });
    return { status: res.status, body: (await res.json()) as { url: string; idToken: string; accessToken: string } };
  };

  it('a LIFF app belongs to the LINE Login channel its id starts with', async () => {
    expect((await register({ liffId: '1234567890-AbCdEfGh', endpointUrl: ENDPOINT })).status).toBe(400);
    expect((await register({ liffId: 'not-a-liff-id', endpointUrl: ENDPOINT })).status).toBe(400);
    expect((await register({ liffId: LIFF_ID, endpointUrl: ENDPOINT })).status).toBe(201);
  });

  it('tapping a LIFF URL opens the endpoint URL with liff.state and the credentials in the fragment', async () => {
    await register({ liffId: LIFF_ID, endpointUrl: ENDPOINT });
    const { status, body } = await open(`https://liff.line.me/${LIFF_ID}/pages/deals?lang=en`);
    expect(status).toBe(200);
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(ENDPOINT);
    expect(url.searchParams.get('liff.state')).toBe('/pages/deals?lang=en');
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect([...fragment.keys()].sort()).toEqual(['access_token', 'client_id', 'context_token', 'feature_token', 'id_token']);
    expect(fragment.get('client_id')).toBe(CHANNEL_ID);
    expect(fragment.get('id_token')).toBe(body.idToken);
    expect(part(fragment.get('context_token')!, 1)).toMatchObject({
      liffId: LIFF_ID,
      endpointUrl: ENDPOINT,
      permanentLinkPattern: 'concat',
    });

    expect((await open(`https://liff.line.me/${LIFF_ID.replace('AbCdEfGh', 'Zzzzzzzz')}/pages/deals`)).status).toBe(400); // no such app
    expect((await open(`https://liff.example/${LIFF_ID}/pages/deals`)).status).toBe(400); // not a LIFF URL
  });

  it("the ID token is ES256 under a key in LINE's JWKS, and the access token verifies for the channel, both readable cross-origin", async () => {
    await register({ liffId: LIFF_ID, endpointUrl: ENDPOINT });
    const { body } = await open(`https://liff.line.me/${LIFF_ID}/pages/wallet`);

    const certs = await fetch(`${emulator.baseUrl}/oauth2/v2.1/certs`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${body.accessToken}` },
    });
    expect(certs.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const { keys } = (await certs.json()) as { keys: Array<Record<string, string>> };
    const header = part(body.idToken, 0);
    expect(header.alg).toBe('ES256');
    const jwk = keys.find((k) => k.kid === header.kid)!;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const [h, p, s] = body.idToken.split('.') as [string, string, string];
    const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(
      true,
    );
    expect(part(body.idToken, 1)).toMatchObject({ iss: 'https://access.line.me', sub: user, aud: CHANNEL_ID });

    const preflight = await fetch(`${emulator.baseUrl}/oauth2/v2.1/verify?access_token=x`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    const verified = await fetch(`${emulator.baseUrl}/oauth2/v2.1/verify?access_token=${encodeURIComponent(body.accessToken)}`, {
      headers: { origin: ORIGIN },
    });
    expect(verified.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await verified.json()).toMatchObject({ client_id: CHANNEL_ID, expires_in: expect.any(Number) });
  });

  it("LINE's verify endpoint accepts the LIFF ID token through the product's client, and refuses a forged or expired one", async () => {
    await register({ liffId: LIFF_ID, endpointUrl: ENDPOINT });
    const { body } = await open(`https://liff.line.me/${LIFF_ID}/pages/wallet`);
    const options = { channelId: CHANNEL_ID, apiBaseUrl: emulator.baseUrl };
    expect(await verifyIdToken(body.idToken, options)).toMatchObject({ sub: user, aud: CHANNEL_ID });

    const [h, p, s] = body.idToken.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...part(body.idToken, 1), sub: newUserId() })).toString('base64url')}.${s}`;
    await expect(verifyIdToken(forged, options)).rejects.toMatchObject({ description: 'Invalid IdToken.' });
    const asHs256 = `${Buffer.from(JSON.stringify({ ...part(body.idToken, 0), alg: 'HS256' })).toString('base64url')}.${p}.${s}`;
    await expect(verifyIdToken(asHs256, options)).rejects.toBeInstanceOf(LineLoginRefused);

    const expired = await open(`https://liff.line.me/${LIFF_ID}/pages/wallet`, -60);
    await expect(verifyIdToken(expired.body.idToken, options)).rejects.toMatchObject({ description: 'IdToken expired.' });
    now += 2 * 60 * 60 * 1000; // and the good one, two hours later
    await expect(verifyIdToken(body.idToken, options)).rejects.toMatchObject({ description: 'IdToken expired.' });
  });
});
