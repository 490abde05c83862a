import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { authorizeUrl, exchangeCode, LineLoginRefused, LineLoginUnavailable, verifyIdToken } from './login';

/**
 * LINE Login for our pages (S109/S110): `GET /auth/line/login?next=/pages/…` sends the browser to
 * LINE's authorize screen (with the add-friend screen, bot_prompt=aggressive), remembering state
 * and nonce in a signed, short-lived, HttpOnly cookie; `GET /auth/line/callback` checks the
 * state, exchanges the code, has LINE verify the ID token with our nonce, and hands the token to
 * the page through sessionStorage ("idToken"), from where pages send it as a Bearer token.
 * Nothing is stored on the server: the api stays stateless.
 */
export const LOGIN_PATH = '/auth/line/login';
export const CALLBACK_PATH = '/auth/line/callback';
export const LOGIN_COOKIE = 'line_login';
/** LINE's authorization code lives 10 minutes; a login that takes longer starts again. */
export const LOGIN_COOKIE_TTL_MS = 10 * 60 * 1000;
/** The sessionStorage key the pages' client reads (src/pages/assets/client.js). */
export const ID_TOKEN_STORAGE_KEY = 'idToken';
const NEXT_MAX_CHARS = 1000;
const RANDOM_BYTES = 16;

export interface LoginRouteDeps {
  /** LINE Login channel id (client_id). */
  channelId: string;
  /** LINE Login channel secret (client_secret of the token exchange). */
  channelSecret: string;
  /** Our public origin: the callback URL registered with LINE is built from it. */
  publicBaseUrl: string;
  /** access.line.me, or the emulator. */
  authorizeBaseUrl?: string;
  /** api.line.me (token, verify), or the emulator. */
  apiBaseUrl?: string;
  /** One LINE Login request gives up after this (LINE_LOGIN_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Signs the login cookie; at least 32 characters. */
  cookieSecret: string;
}

interface LoginCookie {
  state: string;
  nonce: string;
  next: string;
  expiresAtMs: number;
}

export function lineLoginRouter(deps: LoginRouteDeps): Router {
  if (deps.cookieSecret.length < 32) throw new Error('lineLoginRouter: cookieSecret must have at least 32 characters');
  const router = Router();
  const redirectUri = new URL(CALLBACK_PATH, deps.publicBaseUrl).toString();
  const secure = deps.publicBaseUrl.startsWith('https:');
  const cookieKey = createHmac('sha256', deps.cookieSecret).update('line-login-cookie').digest();

  router.get(LOGIN_PATH, (req, res) => {
    const next = safeNext(req.query.next);
    if (next === undefined) return void page(res, 400, 'The next parameter must be a path under /pages/.');
    const cookie: LoginCookie = { state: random(), nonce: random(), next, expiresAtMs: Date.now() + LOGIN_COOKIE_TTL_MS };
    res.cookie(LOGIN_COOKIE, seal(cookieKey, cookie), {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/auth/line',
      maxAge: LOGIN_COOKIE_TTL_MS,
    });
    res.set('cache-control', 'no-store');
    res.redirect(
      302,
      authorizeUrl({
        channelId: deps.channelId,
        redirectUri,
        state: cookie.state,
        nonce: cookie.nonce,
        botPrompt: 'aggressive',
        baseUrl: deps.authorizeBaseUrl,
      }),
    );
  });

  router.get(CALLBACK_PATH, async (req, res) => {
    const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const cookie = unseal(cookieKey, readCookie(req, LOGIN_COOKIE));
    res.clearCookie(LOGIN_COOKIE, { path: '/auth/line' }); // one callback per login, whatever happens
    res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    if (!cookie || cookie.expiresAtMs < Date.now())
      return void page(res, 400, 'This login has expired or was started in another browser. Please try again.');
    const state = q('state');
    if (!state || !safeEqual(state, cookie.state))
      return void page(res, 400, 'This login does not match the one we started. Please try again.');
    if (q('error')) return void page(res, 401, `LINE Login did not complete (${q('error')}). Please try again.`);
    const code = q('code');
    if (!code) return void page(res, 400, 'LINE did not send an authorization code.');
    try {
      const tokens = await exchangeCode({
        code,
        redirectUri,
        channelId: deps.channelId,
        channelSecret: deps.channelSecret,
        apiBaseUrl: deps.apiBaseUrl,
        timeoutMs: deps.timeoutMs,
      });
      if (!tokens.id_token) return void page(res, 502, 'LINE did not return an ID token.');
      // LINE checks signature, issuer, audience, expiry and our nonce; we trust nothing we decode ourselves.
      await verifyIdToken(tokens.id_token, {
        channelId: deps.channelId,
        nonce: cookie.nonce,
        apiBaseUrl: deps.apiBaseUrl,
        timeoutMs: deps.timeoutMs,
      });
      handOver(res, tokens.id_token, cookie.next);
    } catch (err) {
      if (err instanceof LineLoginRefused) return void page(res, 401, 'LINE refused this login. Please try again.');
      if (err instanceof LineLoginUnavailable)
        return void page(res, 503, 'LINE Login is not answering right now. Please try again in a minute.');
      throw err;
    }
  });

  return router;
}

/** Only our own pages: a path under /pages/, never another origin (no open redirect). */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > NEXT_MAX_CHARS) return undefined;
  if (!value.startsWith('/pages/') || /[\\\s]/.test(value)) return undefined;
  const url = new URL(value, 'http://our.origin');
  // Checked again after normalisation: /pages/../api would otherwise leave the pages.
  return url.origin === 'http://our.origin' && url.pathname.startsWith('/pages/') ? url.pathname + url.search : undefined;
}

function random(): string {
  return randomBytes(RANDOM_BYTES).toString('base64url');
}

function seal(key: Buffer, cookie: LoginCookie): string {
  const body = Buffer.from(JSON.stringify(cookie)).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

function unseal(key: Buffer, value: string | undefined): LoginCookie | undefined {
  const [body, mac, extra] = (value ?? '').split('.');
  if (!body || !mac || extra !== undefined) return undefined;
  if (!safeEqual(mac, createHmac('sha256', key).update(body).digest('base64url'))) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LoginCookie;
    return typeof parsed.state === 'string' && typeof parsed.nonce === 'string' && safeNext(parsed.next) !== undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** The token reaches the page's JavaScript only: a one-off page with a nonce-locked inline script. */
function handOver(res: Response, idToken: string, next: string): void {
  const scriptNonce = random();
  const json = (v: string) => JSON.stringify(v).replace(/</g, '\\u003c');
  res.set('content-security-policy', `default-src 'none'; script-src 'nonce-${scriptNonce}'`);
  res.type('html').send(`<!doctype html><meta charset="utf-8"><title>Logging in…</title>
<p>Logging in…</p>
<script nonce="${scriptNonce}">sessionStorage.setItem(${json(ID_TOKEN_STORAGE_KEY)}, ${json(idToken)}); location.replace(${json(next)});</script>`);
}

function page(res: Response, status: number, message: string): void {
  res
    .status(status)
    .set('content-security-policy', "default-src 'none'")
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><title>LINE Login</title><p>${message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
    );
}
