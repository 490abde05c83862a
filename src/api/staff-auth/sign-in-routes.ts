import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Router, type Response } from 'express';
import type { Knex } from 'knex';
import * as oidc from 'openid-client';
import { appendAudit } from '../../audit';
import { safeNext } from '../../line/login-routes';
import { HttpProblem } from '../problem';
import type { StaffTokenVerifier } from './access-tokens';
import type { StaffIdentityProvider } from './provider';
import { CSRF_HEADER, readCookie, type StaffSessionStore } from './sessions';
import { logger } from '../../observability/logger';

const log = logger('staff-sign-in');

/**
 * The console's staff sign-in: the authorization code flow with PKCE (S256), state and nonce,
 * the code exchanged on our server with the client's secret. `GET /auth/staff/login?next=…`
 * goes to the provider, `GET /auth/staff/callback` comes back, exchanges the code, verifies the
 * access token exactly as the api does (issuer, audience, exp, keys, roles) and opens a session
 * (see ./sessions.ts); `GET /auth/staff/session` tells the page who is signed in and its CSRF
 * token; `POST /auth/staff/logout` ends the session. Signing in and out are audited.
 *
 * What the flow must remember between the two legs (state, nonce, PKCE verifier, where to go
 * back) travels in a short-lived cookie sealed with AES-256-GCM under a key derived from
 * HASH_SECRET: the api keeps no sign-in state of its own.
 */
export const STAFF_AUTH_PREFIX = '/auth/staff';
export const STAFF_LOGIN_PATH = `${STAFF_AUTH_PREFIX}/login`;
export const STAFF_CALLBACK_PATH = `${STAFF_AUTH_PREFIX}/callback`;
export const STAFF_SESSION_PATH = `${STAFF_AUTH_PREFIX}/session`;
export const STAFF_LOGOUT_PATH = `${STAFF_AUTH_PREFIX}/logout`;
const CONSOLE_PATH = '/pages/support';
const FLOW_COOKIE = 'staff_sign_in';
/** The provider's code lives minutes at most; a sign-in that takes longer starts again. */
const FLOW_TTL_MS = 10 * 60 * 1000;
const SCOPE = 'openid profile';

/** Why a sign-in came back without a session; the console words each one. */
export type SignInError = 'not-configured' | 'expired' | 'refused' | 'failed' | 'no-role';

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expiresAtMs: number;
}

export interface StaffSignInDeps {
  knex: Knex;
  provider?: StaffIdentityProvider;
  verifier?: StaffTokenVerifier;
  sessions: StaffSessionStore;
  publicBaseUrl: string;
  hashSecret: string;
}

export function staffSignInRouter(deps: StaffSignInDeps): Router {
  const router = Router();
  const redirectUri = new URL(STAFF_CALLBACK_PATH, deps.publicBaseUrl).toString();
  const flowKey = Buffer.from(hkdfSync('sha256', deps.hashSecret, Buffer.alloc(0), 'staff-sign-in-flow', 32));
  const { sessions } = deps;
  const cookieBase = { httpOnly: true, secure: sessions.secure };
  const backWithError = (res: Response, next: string, error: SignInError) => {
    const url = new URL(next, 'http://our.origin');
    url.searchParams.set('signin_error', error);
    res.redirect(303, url.pathname + url.search);
  };

  router.get(STAFF_LOGIN_PATH, async (req, res) => {
    res.set('cache-control', 'no-store');
    const next = safeNext(req.query.next ?? CONSOLE_PATH);
    if (next === undefined) throw new HttpProblem(400, 'invalid-next', 'next must be a path under /pages/');
    if (!deps.provider) return backWithError(res, next, 'not-configured');
    let config: oidc.Configuration;
    try {
      config = await deps.provider.configuration();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'staff sign-in failed');
      return backWithError(res, next, 'failed');
    }
    const flow: Flow = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      next,
      expiresAtMs: Date.now() + FLOW_TTL_MS,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      // Which API the access token is for (Auth0 and our emulator read it; OAuth servers ignore parameters they do not know).
      audience: deps.provider.settings.audience,
    });
    // Lax, not Strict: the provider's redirect back is a cross-site navigation.
    res.cookie(FLOW_COOKIE, seal(flowKey, flow), { ...cookieBase, sameSite: 'lax', path: STAFF_AUTH_PREFIX, maxAge: FLOW_TTL_MS });
    res.redirect(302, url.toString());
  });

  router.get(STAFF_CALLBACK_PATH, async (req, res) => {
    res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    const flow = unseal(flowKey, readCookie(req, FLOW_COOKIE));
    res.clearCookie(FLOW_COOKIE, { ...cookieBase, sameSite: 'lax', path: STAFF_AUTH_PREFIX }); // one callback per sign-in, whatever happens
    if (!flow || flow.expiresAtMs < Date.now() || req.query.state !== flow.state)
      return backWithError(res, flow?.next ?? CONSOLE_PATH, 'expired');
    if (!deps.provider || !deps.verifier) return backWithError(res, flow.next, 'not-configured');
    if (typeof req.query.error === 'string') return backWithError(res, flow.next, 'refused');
    let accessToken: string;
    let idSubject: string | undefined;
    try {
      const config = await deps.provider.configuration();
      // The URL as registered (a proxy in front may have changed host or scheme), with the provider's answer.
      const current = new URL(redirectUri);
      current.search = new URL(req.originalUrl, 'http://our.origin').search;
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      accessToken = tokens.access_token;
      idSubject = tokens.claims()?.sub;
    } catch (err) {
      const refused = err instanceof oidc.AuthorizationResponseError || (err instanceof oidc.ResponseBodyError && err.status < 500);
      log.warn({ err: (err as Error).message, outcome: refused ? 'refused' : 'failed' }, 'staff sign-in did not complete');
      return backWithError(res, flow.next, refused ? 'refused' : 'failed');
    }
    let staff;
    try {
      staff = await deps.verifier.verify(accessToken);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'staff sign-in failed');
      return backWithError(res, flow.next, 'failed');
    }
    // The access token must be about the person the ID token names.
    if (!staff || staff.staffId !== idSubject) return backWithError(res, flow.next, 'failed');
    if (staff.roles.length === 0) return backWithError(res, flow.next, 'no-role');
    const value = await sessions.create(staff);
    await appendAudit(deps.knex, {
      actor: `support:${staff.staffId}`,
      action: 'staff.signed_in',
      subject: `staff:${staff.staffId}`,
      details: { roles: staff.roles, until: new Date(staff.expiresAtMs).toISOString() },
    });
    res.cookie(sessions.cookieName, value, {
      ...cookieBase,
      sameSite: 'strict',
      path: '/',
      maxAge: Math.max(0, staff.expiresAtMs - Date.now()),
    });
    res.redirect(303, flow.next);
  });

  router.get(STAFF_SESSION_PATH, async (req, res) => {
    res.set('cache-control', 'no-store');
    const value = readCookie(req, sessions.cookieName);
    const staff = value === undefined ? undefined : await sessions.find(value);
    if (!staff || value === undefined) throw new HttpProblem(401, 'staff-login-required', 'not signed in (or the session ended)');
    const support = (['viewer', 'agent', 'admin'] as const).filter((r) => staff.roles.includes(r));
    res.json({
      staffId: staff.staffId,
      name: staff.name,
      roles: staff.roles,
      role: support.at(-1) ?? null,
      expiresAt: new Date(staff.expiresAtMs).toISOString(),
      csrfToken: sessions.csrfTokenFor(value),
    });
  });

  router.post(STAFF_LOGOUT_PATH, async (req, res) => {
    const value = readCookie(req, sessions.cookieName);
    if (value !== undefined) {
      if (!sessions.csrfMatches(value, req.get(CSRF_HEADER)))
        throw new HttpProblem(403, 'csrf-token-required', `signing out needs the ${CSRF_HEADER} header`);
      const ended = await sessions.delete(value);
      if (ended)
        await appendAudit(deps.knex, {
          actor: `support:${ended.staffId}`,
          action: 'staff.signed_out',
          subject: `staff:${ended.staffId}`,
          details: {},
        });
    }
    res.clearCookie(sessions.cookieName, { ...cookieBase, sameSite: 'strict', path: '/' });
    res.status(204).end();
  });

  return router;
}

const IV_BYTES = 12;

function seal(key: Buffer, flow: Flow): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function unseal(key: Buffer, value: string | undefined): Flow | undefined {
  if (!value) return undefined;
  try {
    const raw = Buffer.from(value, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + 16));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + 16)), decipher.final()]).toString('utf8');
    const flow = JSON.parse(text) as Flow;
    return typeof flow.state === 'string' && typeof flow.verifier === 'string' && typeof flow.next === 'string' ? flow : undefined;
  } catch {
    return undefined;
  }
}
