import express, { Request, Response, Router } from 'express';
import { bearerToken, oauthError } from './http';
import { signHs256, verifyEs256, verifyHs256 } from './jwt';
import type { ResolvedOptions } from './options';
import type { EmulatedUser, LineEmulatorState } from './state';

export const ID_TOKEN_ISSUER = 'https://access.line.me';
const ID_TOKEN_TTL_SECONDS = 60 * 60;
const KNOWN_SCOPES = ['profile', 'openid', 'email'];
const BOT_PROMPTS = ['normal', 'aggressive'];

/**
 * The claims of an ID token LINE issues for a user (LINE Login's web flow and LIFF alike); the
 * two differ only in how they are signed and in `auth_time` / `nonce`.
 */
export function idTokenClaims(state: LineEmulatorState, options: ResolvedOptions, user: EmulatedUser, ttlSeconds: number) {
  const iat = Math.floor(state.now() / 1000);
  return {
    iss: ID_TOKEN_ISSUER,
    sub: user.userId,
    aud: options.loginChannelId,
    exp: iat + ttlSeconds,
    iat,
    amr: ['linesso'],
    name: user.displayName,
    ...(user.pictureUrl ? { picture: user.pictureUrl } : {}),
  };
}

/** Mints an ID token exactly as the LINE Login web flow does: HS256 with the channel secret. */
export function issueIdToken(
  state: LineEmulatorState,
  options: ResolvedOptions,
  user: EmulatedUser,
  extra: { nonce?: string; ttlSeconds?: number } = {},
): string {
  const claims = idTokenClaims(state, options, user, extra.ttlSeconds ?? ID_TOKEN_TTL_SECONDS);
  return signHs256(
    { ...claims, auth_time: claims.iat, ...(extra.nonce !== undefined ? { nonce: extra.nonce } : {}) },
    options.loginChannelSecret,
  );
}

/** LINE Login v2.1: access.line.me authorize, api.line.me token/verify, friendship and profile. */
export function loginRoutes(state: LineEmulatorState, options: ResolvedOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false });

  router.get('/oauth2/v2.1/authorize', (req, res) => authorize(state, options, req, res));

  router.post('/oauth2/v2.1/token', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (body.grant_type !== 'authorization_code') {
      return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be authorization_code');
    }
    if (body.client_id !== options.loginChannelId || body.client_secret !== options.loginChannelSecret) {
      return oauthError(res, 400, 'invalid_client', 'invalid client_id or client_secret');
    }
    const grant = body.code ? state.redeemAuthorizationCode(body.code) : undefined;
    if (!grant || grant.clientId !== body.client_id || grant.redirectUri !== body.redirect_uri) {
      return oauthError(res, 400, 'invalid_grant', 'invalid authorization code');
    }
    const user = state.getUser(grant.userId);
    if (!user) return oauthError(res, 400, 'invalid_grant', 'invalid authorization code');
    const access = state.issueLoginAccessToken(user.userId, grant.clientId, grant.scope);
    res.setHeader('cache-control', 'no-store');
    res.json({
      access_token: access.token,
      expires_in: access.expiresInSeconds,
      ...(grant.scope.split(' ').includes('openid') ? { id_token: issueIdToken(state, options, user, { nonce: grant.nonce }) } : {}),
      refresh_token: access.token + '.refresh',
      scope: grant.scope,
      token_type: 'Bearer',
    });
  });

  router.post('/oauth2/v2.1/verify', form, (req, res) => {
    state.idTokenVerifyRequests += 1;
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if (!body.id_token) return oauthError(res, 400, 'invalid_request', 'id_token is required.');
    if (!body.client_id) return oauthError(res, 400, 'invalid_request', 'client_id is required.');
    // Web login's tokens are HS256 with the channel secret; LIFF's ES256 with LINE's key (liff.ts).
    const claims = verifyHs256(body.id_token, options.loginChannelSecret) ?? verifyEs256(body.id_token, state.liffSigningKey);
    const refusal = !claims ? 'Invalid IdToken.' : idTokenRefusal(claims, body, state.now());
    if (refusal) return oauthError(res, 400, 'invalid_request', refusal);
    res.json(claims);
  });

  router.get('/oauth2/v2.1/verify', (req, res) => {
    const token = state.loginAccessToken(String(req.query.access_token ?? ''));
    if (!token) return oauthError(res, 400, 'invalid_request', 'access token expired');
    res.json({ scope: token.scope, client_id: token.clientId, expires_in: Math.floor((token.expiresAt - state.now()) / 1000) });
  });

  const withUserToken = (handler: (user: EmulatedUser, res: Response) => void) => (req: Request, res: Response) => {
    const token = state.loginAccessToken(bearerToken(req) ?? '');
    const user = token && state.getUser(token.userId);
    if (!user) return res.status(401).json({ message: 'invalid token' });
    handler(user, res);
  };
  const friendship = withUserToken((user, res) => res.json({ friendFlag: user.friend }));
  // The documented path is /friendship/v1/status; /v2/bot/friendship/status is kept as an alias.
  router.get('/friendship/v1/status', friendship);
  router.get('/v2/bot/friendship/status', friendship);
  router.get(
    '/v2/profile',
    withUserToken((user, res) => res.json({ userId: user.userId, displayName: user.displayName, pictureUrl: user.pictureUrl })),
  );

  return router;
}

/** LINE's checks on a correctly signed ID token, in LINE's words. */
function idTokenRefusal(claims: Record<string, unknown>, body: Record<string, string | undefined>, nowMs: number): string | undefined {
  if (claims.iss !== ID_TOKEN_ISSUER) return 'Invalid IdToken Issuer.';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return 'IdToken expired.';
  if (claims.aud !== body.client_id) return 'Invalid IdToken Audience.';
  if (body.nonce !== undefined && claims.nonce !== body.nonce) return 'Invalid IdToken Nonce.';
  if (body.user_id !== undefined && claims.sub !== body.user_id) return 'Invalid IdToken Subject Identifier.';
  return undefined;
}

function authorize(state: LineEmulatorState, options: ResolvedOptions, req: Request, res: Response): void {
  const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
  const clientId = q('client_id');
  const redirectUri = q('redirect_uri');
  // Without a trustworthy redirect_uri LINE shows an error page instead of redirecting.
  if (clientId !== options.loginChannelId) return void res.status(400).type('text/plain').send('400 Bad Request: invalid client_id');
  if (!redirectUri || !isAbsoluteHttpUrl(redirectUri)) {
    return void res.status(400).type('text/plain').send('400 Bad Request: invalid redirect_uri');
  }
  const stateParam = q('state');
  const back = (params: Record<string, string>) => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (stateParam !== undefined) url.searchParams.set('state', stateParam);
    res.redirect(302, url.toString());
  };
  const scope = q('scope') ?? '';
  const scopes = scope.split(' ').filter(Boolean);
  if (q('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'response_type must be code' });
  if (!stateParam) return back({ error: 'invalid_request', error_description: 'state is required' });
  if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.includes(s))) {
    return back({ error: 'invalid_scope', error_description: `scope must be among ${KNOWN_SCOPES.join(' ')}` });
  }
  const botPrompt = q('bot_prompt');
  if (botPrompt !== undefined && !BOT_PROMPTS.includes(botPrompt)) {
    return back({ error: 'invalid_request', error_description: 'bot_prompt must be normal or aggressive' });
  }
  const loginHint = q('login_hint');
  if (loginHint === undefined) return void res.type('html').send(userPicker(state, req));
  const user = state.getUser(loginHint);
  if (!user) return void res.status(400).type('text/plain').send(`400 Bad Request: unknown emulated user ${loginHint}`);
  if (q('emulator_cancel') === '1') return back({ error: 'access_denied', error_description: 'The user has denied the request' });

  const params: Record<string, string> = {};
  if (botPrompt !== undefined) {
    // The add-friend option was shown: the callback tells whether the user changed friendship.
    const addFriend = q('emulator_add_friend') === '1' && !user.friend;
    if (addFriend) state.setFriend(user.userId, true);
    params.friendship_status_changed = String(addFriend);
  }
  params.code = state.issueAuthorizationCode({ userId: user.userId, clientId, redirectUri, scope, nonce: q('nonce') });
  back(params);
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The emulator's stand-in for LINE's login screen: pick who logs in. */
function userPicker(state: LineEmulatorState, req: Request): string {
  const base = new URL(req.originalUrl, 'http://emulator');
  const link = (user: EmulatedUser, addFriend: boolean) => {
    const url = new URL(base);
    url.searchParams.set('login_hint', user.userId);
    if (addFriend) url.searchParams.set('emulator_add_friend', '1');
    return `${url.pathname}${url.search}`;
  };
  const showAddFriend = base.searchParams.has('bot_prompt');
  const rows = state
    .listUsers()
    .map((user) => {
      const add = showAddFriend && !user.friend ? ` · <a href="${escapeHtml(link(user, true))}">log in and add friend</a>` : '';
      return `<li><a href="${escapeHtml(link(user, false))}">${escapeHtml(user.displayName)}</a> <code>${user.userId}</code>${add}</li>`;
    })
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>LINE Login (emulator)</title>
<h1>LINE Login (emulator)</h1><p>Log in as:</p><ul>${rows || '<li>No emulated users yet.</li>'}</ul>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
