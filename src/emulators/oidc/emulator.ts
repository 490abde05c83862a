/**
 * OpenID Connect provider emulator (contract in ./contract.ts): discovery, JWKS, the
 * authorization code flow with PKCE behind a sign-in page that lists the staff it knows, the
 * token endpoint (code and refresh grants), userinfo. Loopback only, for development and tests;
 * `/__emulator` has the fault switches, key rotation, users, and a token minter for tests.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { createEmulatorApp, json, listenOnLoopback, parseOr400, send, type EmulatorHandle } from '../http-util';
import {
  CODE_CHALLENGE_PATTERN,
  OIDC_PATHS,
  SCOPES_SUPPORTED,
  discoveryDocument,
  tokenRequestSchema,
  type OAuthErrorCode,
} from './contract';
import { readOwnJwt } from './keys';
import { OidcEmulatorState, type OidcClient, type OidcEmulatorOptions, type OidcUser } from './state';

function oauthError(res: Response, status: number, error: OAuthErrorCode, description: string, headers: Record<string, string> = {}): void {
  res.set({ 'cache-control': 'no-store', pragma: 'no-cache', ...headers });
  res.status(status).json({ error, error_description: description });
}

const query = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);

/** RFC 6749 §2.3.1: HTTP Basic over the form-urlencoded id and secret. */
function basicCredentials(req: Request): { clientId: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.get('authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export function createOidcEmulator(options: OidcEmulatorOptions = {}): { app: express.Express; state: OidcEmulatorState } {
  const state = new OidcEmulatorState(options);
  const extraClaims = () => [...new Set([...state.users.values()].flatMap((u) => Object.keys(u.claims ?? {})))];

  function routes(api: Router): void {
    api.get(OIDC_PATHS.discovery, (_req, res) => void res.json(discoveryDocument(state.issuer, state.alg, extraClaims())));
    api.get(OIDC_PATHS.jwks, (_req, res) => {
      state.jwksRequests += 1;
      res.json({ keys: state.keys.map((k) => k.publicJwk) });
    });
    api.get(OIDC_PATHS.authorize, (req, res) => authorize(state, req, res));
    api.post(OIDC_PATHS.token, express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => token(state, req, res));
    const userinfo = (req: Request, res: Response) => {
      const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
      const claims = match ? readOwnJwt(state.keys, match[1]) : undefined;
      const valid =
        claims &&
        claims.iss === state.issuer &&
        typeof claims.exp === 'number' &&
        claims.exp * 1000 > state.now() &&
        claims.client_id !== undefined;
      if (!valid) {
        res.set('www-authenticate', 'Bearer error="invalid_token"');
        return void res.status(401).json({ error: 'invalid_token', error_description: 'the access token is missing, expired or not ours' });
      }
      const user = state.users.get(String(claims.sub));
      res.json({ sub: claims.sub, ...(user ? { name: user.name, ...(user.email ? { email: user.email } : {}), ...user.claims } : {}) });
    };
    api.get(OIDC_PATHS.userinfo, userinfo);
    api.post(OIDC_PATHS.userinfo, userinfo);
  }

  const mintSchema = z
    .object({
      sub: z.string().min(1).max(255),
      audience: z.string().min(1).optional(),
      clientId: z.string().min(1).optional(),
      scope: z.string().min(1).optional(),
      ttlSeconds: z
        .number()
        .int()
        .min(1)
        .max(24 * 60 * 60)
        .optional(),
      claims: z.record(z.unknown()).optional(),
    })
    .strict();
  const userSchema = z
    .object({
      sub: z.string().min(1).max(255),
      name: z.string().min(1),
      email: z.string().optional(),
      claims: z.record(z.unknown()).optional(),
    })
    .strict();
  const clientSchema = z
    .object({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1).optional(),
      redirectUris: z.array(z.string().url()).min(1),
      audience: z.string().min(1).optional(),
      name: z.string().optional(),
    })
    .strict();

  function controlRoutes(control: Router): void {
    control.post('/tokens', (req, res) => {
      const body = parseOr400(mintSchema, req.body ?? {}, res);
      if (!body) return;
      const minted = state.mint(body);
      send(
        res,
        json(200, {
          access_token: minted.accessToken,
          id_token: minted.idToken,
          expires_in: minted.expiresInSeconds,
          token_type: 'Bearer',
        }),
      );
    });
    control.post('/keys/rotate', (req, res) => {
      const key = state.rotateKeys({ retireOld: req.body?.retireOld === true });
      res.json({ kid: key.kid, published: state.keys.map((k) => k.kid) });
    });
    control.post('/users', (req, res) => {
      const body = parseOr400(userSchema, req.body ?? {}, res);
      if (!body) return;
      state.addUser(body as OidcUser);
      res.status(201).json(body);
    });
    control.post('/clients', (req, res) => {
      const body = parseOr400(clientSchema, req.body ?? {}, res);
      if (!body) return;
      state.addClient(body as OidcClient);
      res.status(201).json({ clientId: body.clientId });
    });
  }

  // The provider's endpoints are public (the token endpoint authenticates clients itself).
  const app = createEmulatorApp({ apiKey: '', authenticate: (_req, _res, next) => next(), faults: state.faults, routes, controlRoutes });
  return { app, state };
}

function authorize(state: OidcEmulatorState, req: Request, res: Response): void {
  const clientId = query(req, 'client_id');
  const redirectUri = query(req, 'redirect_uri');
  const client = clientId === undefined ? undefined : state.clients.get(clientId);
  // Never redirect to an address the client did not register (OIDC Core §3.1.2.6).
  if (!client) return void errorPage(res, 'unknown client_id');
  if (!redirectUri || !client.redirectUris.includes(redirectUri))
    return void errorPage(res, 'redirect_uri is not registered for this client');

  const stateParam = query(req, 'state');
  const back = (params: Record<string, string>) => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (stateParam !== undefined) url.searchParams.set('state', stateParam);
    url.searchParams.set('iss', state.issuer);
    res.set('cache-control', 'no-store');
    res.redirect(302, url.toString());
  };
  const fail = (error: OAuthErrorCode, description: string) => back({ error, error_description: description });

  if (query(req, 'response_type') !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
  const scopes = (query(req, 'scope') ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) return fail('invalid_scope', 'scope must contain openid');
  const unknownScope = scopes.find((s) => !(SCOPES_SUPPORTED as readonly string[]).includes(s));
  if (unknownScope) return fail('invalid_scope', `unknown scope ${unknownScope}`);
  const challenge = query(req, 'code_challenge');
  const method = query(req, 'code_challenge_method');
  if (challenge !== undefined || method !== undefined) {
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
    if (!challenge || !CODE_CHALLENGE_PATTERN.test(challenge))
      return fail('invalid_request', 'code_challenge must be 43 base64url characters');
  } else if (client.clientSecret === undefined) {
    return fail('invalid_request', 'a public client must send a PKCE code_challenge (S256)');
  }
  const requested = query(req, 'audience') ?? query(req, 'resource');
  if (requested !== undefined && !state.audiences.includes(requested)) return fail('invalid_target', 'unknown audience');
  const audience = requested ?? client.audience ?? state.audiences[0];

  if (query(req, 'emulator_cancel') === '1') return fail('access_denied', 'the user cancelled the sign-in');
  const chosen = query(req, 'emulator_user');
  if (chosen === undefined)
    return void res
      .set('cache-control', 'no-store')
      .type('html')
      .send(signInPage(state, client, req));
  if (!state.users.has(chosen)) return void errorPage(res, 'unknown user');
  const code = state.issueCode({
    sub: chosen,
    clientId: client.clientId,
    redirectUri,
    scope: scopes.join(' '),
    audience,
    authTimeSeconds: Math.floor(state.now() / 1000),
    nonce: query(req, 'nonce'),
    codeChallenge: challenge,
  });
  back({ code });
}

function token(state: OidcEmulatorState, req: Request, res: Response): void {
  state.tokenRequests += 1;
  const parsed = tokenRequestSchema.safeParse(req.body ?? {});
  if (!parsed.success) {
    const grantType = (req.body as { grant_type?: unknown } | undefined)?.grant_type;
    if (typeof grantType === 'string' && grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return oauthError(res, 400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    return oauthError(
      res,
      400,
      'invalid_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  const body = parsed.data;
  const basic = basicCredentials(req);
  if (basic && (body.client_secret !== undefined || (body.client_id !== undefined && body.client_id !== basic.clientId))) {
    return oauthError(res, 400, 'invalid_request', 'use one client authentication method');
  }
  const client = state.authenticateClient(basic?.clientId ?? body.client_id, basic?.secret ?? body.client_secret);
  if (!client) {
    return oauthError(
      res,
      basic ? 401 : 400,
      'invalid_client',
      'client authentication failed',
      basic ? { 'www-authenticate': 'Basic realm="token"' } : {},
    );
  }

  if (body.grant_type === 'authorization_code') {
    const pending = state.redeemCode(body.code);
    if (!pending || pending.clientId !== client.clientId)
      return oauthError(res, 400, 'invalid_grant', "the code is unknown, used, expired or not this client's");
    if (pending.redirectUri !== body.redirect_uri)
      return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    if (pending.codeChallenge !== undefined) {
      if (body.code_verifier === undefined) return oauthError(res, 400, 'invalid_request', 'code_verifier is required');
      if (s256(body.code_verifier) !== pending.codeChallenge)
        return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    } else if (body.code_verifier !== undefined) {
      return oauthError(res, 400, 'invalid_grant', 'no code_challenge was sent with the authorization request');
    }
    return answerTokens(state, res, pending);
  }
  const grant = state.redeemRefreshToken(body.refresh_token);
  if (!grant || grant.clientId !== client.clientId)
    return oauthError(res, 400, 'invalid_grant', "the refresh token is unknown, used or not this client's");
  answerTokens(state, res, grant);
}

function answerTokens(state: OidcEmulatorState, res: Response, grant: Parameters<OidcEmulatorState['tokensFor']>[0]): void {
  if (!state.users.has(grant.sub)) return oauthError(res, 400, 'invalid_grant', 'the user no longer exists');
  const tokens = state.tokensFor(grant);
  res.set({ 'cache-control': 'no-store', pragma: 'no-cache' });
  res.json({
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresInSeconds,
    id_token: tokens.idToken,
    scope: grant.scope,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function errorPage(res: Response, message: string): void {
  res
    .status(400)
    .type('html')
    .set('cache-control', 'no-store')
    .send(
      `<!doctype html><meta charset="utf-8"><title>Sign-in error</title><h1>Sign-in error</h1><p role="alert">${escapeHtml(message)}</p>`,
    );
}

/** The emulator's stand-in for the company's sign-in screen: pick who signs in. */
function signInPage(state: OidcEmulatorState, client: OidcClient, req: Request): string {
  const base = new URL(req.originalUrl, 'http://emulator');
  const href = (param: string, value: string) => {
    const url = new URL(base);
    url.searchParams.set(param, value);
    return escapeHtml(`${url.pathname}${url.search}`);
  };
  const claimText = (user: OidcUser) =>
    Object.entries(user.claims ?? {})
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
      .join(' · ');
  const rows = [...state.users.values()]
    .map(
      (user) => `<li><a href="${href('emulator_user', user.sub)}">Sign in as ${escapeHtml(user.name)}</a>
  <span>${escapeHtml(user.sub)}${user.claims ? ` · ${escapeHtml(claimText(user))}` : ''}</span></li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Staff sign-in (identity provider emulator)</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}li{margin:.75rem 0}span{display:block;color:#555;font-size:.9em}</style>
<h1>Staff sign-in</h1>
<p>${escapeHtml(client.name ?? client.clientId)} asks who you are. (OpenID Connect provider emulator: choose a person.)</p>
<ul>${rows || '<li>No users are configured.</li>'}</ul>
<p><a href="${href('emulator_cancel', '1')}">Cancel</a></p></html>`;
}

export type RunningOidcEmulator = EmulatorHandle<OidcEmulatorState>;

/** Listens on 127.0.0.1; the issuer is the base URL it gets. */
export async function startOidcEmulator(options: OidcEmulatorOptions = {}): Promise<RunningOidcEmulator> {
  const { app, state } = createOidcEmulator(options);
  const handle = await listenOnLoopback(app, state, state.timers, options.port);
  state.issuer = handle.baseUrl;
  return handle;
}
