import { createHmac } from 'node:crypto';
import { LineLoginRefused, authorizeUrl, exchangeCode, getFriendship, verifyIdToken } from '../../src/line';
import { EMULATOR_DEFAULTS, ID_TOKEN_ISSUER, RunningLineEmulator, newUserId, startLineEmulator } from '../../src/emulators/line';

const CHANNEL_ID = EMULATOR_DEFAULTS.loginChannelId;
const CHANNEL_SECRET = EMULATOR_DEFAULTS.loginChannelSecret;
const REDIRECT_URI = 'https://escrow.example/login/callback';

function hs256(payload: object, secret: string): string {
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('LINE Login against the emulator', () => {
  let now: number;
  let emulator: RunningLineEmulator;
  const user = newUserId();

  beforeEach(async () => {
    now = Date.now();
    emulator = await startLineEmulator({ now: () => now });
    emulator.state.addUser({ userId: user, displayName: 'Seller Lin', friend: false });
  });
  afterEach(() => emulator.close());

  /** Follows the authorize redirect the way a browser would, returning the callback's query. */
  async function authorize(extra: Record<string, string> = {}, nonce = 'n-123'): Promise<URLSearchParams> {
    const url = new URL(
      authorizeUrl({
        channelId: CHANNEL_ID,
        redirectUri: REDIRECT_URI,
        state: 'st-1',
        nonce,
        botPrompt: 'aggressive',
        baseUrl: emulator.baseUrl,
      }),
    );
    url.searchParams.set('login_hint', user);
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    return location.searchParams;
  }

  it('authorize → code → token → verified ID token naming the user', async () => {
    const callback = await authorize({ emulator_add_friend: '1' });
    expect(callback.get('state')).toBe('st-1');
    expect(callback.get('friendship_status_changed')).toBe('true');
    const tokens = await exchangeCode({
      code: callback.get('code')!,
      redirectUri: REDIRECT_URI,
      channelId: CHANNEL_ID,
      channelSecret: CHANNEL_SECRET,
      apiBaseUrl: emulator.baseUrl,
    });
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'profile openid', expires_in: expect.any(Number) });
    const claims = await verifyIdToken(tokens.id_token!, { channelId: CHANNEL_ID, nonce: 'n-123', apiBaseUrl: emulator.baseUrl });
    expect(claims).toMatchObject({ iss: ID_TOKEN_ISSUER, sub: user, aud: CHANNEL_ID, nonce: 'n-123', name: 'Seller Lin' });
    expect(claims.exp).toBeGreaterThan(claims.iat);
    expect(await getFriendship(tokens.access_token, { apiBaseUrl: emulator.baseUrl })).toEqual({ friendFlag: true });
  });

  it('a code works once and only with its redirect_uri and the channel secret', async () => {
    const code = (await authorize()).get('code')!;
    const base = { code, redirectUri: REDIRECT_URI, channelId: CHANNEL_ID, channelSecret: CHANNEL_SECRET, apiBaseUrl: emulator.baseUrl };
    await expect(exchangeCode({ ...base, channelSecret: 'wrong' })).rejects.toMatchObject({ error: 'invalid_client' });
    await expect(exchangeCode({ ...base, redirectUri: 'https://evil.example/cb' })).rejects.toMatchObject({ error: 'invalid_grant' });
    // The mismatched attempt burned the code, as a compromised code should be.
    await expect(exchangeCode(base)).rejects.toMatchObject({
      status: 400,
      error: 'invalid_grant',
      description: 'invalid authorization code',
    });
    const fresh = (await authorize()).get('code')!;
    await exchangeCode({ ...base, code: fresh });
    await expect(exchangeCode({ ...base, code: fresh })).rejects.toBeInstanceOf(LineLoginRefused);
  });

  it('without bot_prompt the user is not made a friend and no friendship flag is returned', async () => {
    const url = new URL(authorizeUrl({ channelId: CHANNEL_ID, redirectUri: REDIRECT_URI, state: 's', baseUrl: emulator.baseUrl }));
    url.searchParams.set('login_hint', user);
    const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    expect(location.searchParams.has('friendship_status_changed')).toBe(false);
    expect(emulator.state.isFriend(user)).toBe(false);
  });

  it('shows a page to pick the user when no login_hint is given', async () => {
    emulator.state.addUser({ userId: newUserId(), displayName: '<Buyer & Co>' });
    const page = await fetch(authorizeUrl({ channelId: CHANNEL_ID, redirectUri: REDIRECT_URI, state: 's', baseUrl: emulator.baseUrl }));
    const html = await page.text();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('Seller Lin');
    expect(html).toContain(`login_hint=${user}`);
    expect(html).not.toContain('<Buyer & Co>');
  });

  it('redirects with an error when the request is malformed', async () => {
    const url = new URL(authorizeUrl({ channelId: CHANNEL_ID, redirectUri: REDIRECT_URI, state: 's', baseUrl: emulator.baseUrl }));
    url.searchParams.set('response_type', 'token');
    const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    const badClient = new URL(url);
    badClient.searchParams.set('client_id', '999');
    expect((await fetch(badClient, { redirect: 'manual' })).status).toBe(400);
  });

  describe('verify refuses', () => {
    const verify = (idToken: string, options: { nonce?: string; channelId?: string } = {}) =>
      verifyIdToken(idToken, { channelId: options.channelId ?? CHANNEL_ID, nonce: options.nonce, apiBaseUrl: emulator.baseUrl });
    const issued = async (body: object = {}) => {
      const response = await fetch(`${emulator.baseUrl}/__emulator/id-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: user, ...body }),
      });
      return ((await response.json()) as { idToken: string }).idToken;
    };
    const claims = () => {
      const iat = Math.floor(now / 1000);
      return { iss: ID_TOKEN_ISSUER, sub: user, aud: CHANNEL_ID, iat, exp: iat + 600 };
    };

    it('accepts a token issued for LIFF-style tests', async () => {
      expect(await verify(await issued({ nonce: 'liff' }), { nonce: 'liff' })).toMatchObject({ sub: user, nonce: 'liff' });
    });

    it.each([
      ['signed with another secret', () => hs256(claims(), 'not-the-channel-secret'), {}, 'Invalid IdToken.'],
      [
        'alg none',
        () => hs256(claims(), CHANNEL_SECRET).replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url')),
        {},
        'Invalid IdToken.',
      ],
      ['garbage', () => 'not.a.jwt', {}, 'Invalid IdToken.'],
      ['another issuer', () => hs256({ ...claims(), iss: 'https://evil.example' }, CHANNEL_SECRET), {}, 'Invalid IdToken Issuer.'],
      ['expired', () => hs256({ ...claims(), exp: Math.floor(now / 1000) - 1 }, CHANNEL_SECRET), {}, 'IdToken expired.'],
      ['another channel', () => hs256(claims(), CHANNEL_SECRET), { channelId: '1111111111' }, 'Invalid IdToken Audience.'],
      ['another nonce', () => hs256({ ...claims(), nonce: 'a' }, CHANNEL_SECRET), { nonce: 'b' }, 'Invalid IdToken Nonce.'],
    ])('a token %s', async (_name, token, options, description) => {
      const refusal = verify(token(), options);
      await expect(refusal).rejects.toBeInstanceOf(LineLoginRefused);
      await expect(refusal).rejects.toMatchObject({ status: 400, error: 'invalid_request', description });
    });

    it('a token that expired while waiting', async () => {
      const token = await issued({ ttlSeconds: 60 });
      expect(await verify(token)).toMatchObject({ sub: user });
      now += 61_000;
      await expect(verify(token)).rejects.toMatchObject({ description: 'IdToken expired.' });
    });
  });
});
