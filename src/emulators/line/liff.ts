import { Router, type NextFunction, type Request, type Response } from 'express';
import { newOpaqueToken } from './ids';
import { es256PublicJwk, signEs256 } from './jwt';
import { idTokenClaims } from './login-routes';
import type { ResolvedOptions } from './options';
import type { EmulatedLiffApp, EmulatedUser, LineEmulatorState } from './state';

/**
 * LIFF as LINE runs it for an app opened inside LINE, stated here from LINE's own sources and
 * never from the product. What the emulator stands in for is LINE's servers (api.line.me,
 * liff.line.me) and what LINE's app does when a user taps a LIFF URL; the SDK itself
 * (`@line/liff`) is always the real one.
 *
 * Sources:
 * - [sdk] `@line/liff` 2.31.0 as installed (node_modules/@liff/*: init, is-in-client, util,
 *   server-api, verify-id-token, store, native-bridge, is-api-available, extensions), read for
 *   what `liff.init()` does in LINE's LIFF browser;
 * - [open] https://developers.line.biz/en/docs/liff/opening-liff-app/ (primary and secondary
 *   redirect URL, liff.state, "Concatenate" of the LIFF URL's path onto the endpoint URL);
 * - [ref] https://developers.line.biz/en/reference/liff/ (liff.init, getIDToken, getContext,
 *   getDecodedIDToken) and https://developers.line.biz/en/reference/line-login/ (verify, certs).
 *
 * The contract:
 * 1. Opening. A user taps `https://liff.line.me/{liffId}/{path}?{query}` in LINE. LINE opens its
 *    LIFF browser at the app's endpoint URL with the path kept in `liff.state`
 *    (`{endpointUrl}?liff.state=%2F{path}%3F{query}`, [open]) and the credentials in the
 *    fragment: `#context_token=…&feature_token=…&access_token=…&id_token=…&client_id=…` ([sdk]
 *    consts CREDENTIAL_KEYS and init: the names the SDK reads from `location.hash`).
 * 2. In client. `liff.isInClient()` is true when the user agent matches
 *    `/Line\/\d+\.\d+\.\d+ LIFF/` (LINE's LIFF browser), or `/Line\/\d+\.\d+\.\d+/` (LINE's
 *    in-app browser) with `access_token=` in the fragment; the answer is kept in sessionStorage
 *    (`LIFF_STORE:isInClient`) for the later pages of the same tab ([sdk] is-in-client, util).
 * 3. Native bridge. For LINE ≥ 9.5.0 (the version in the user agent) `liff.init()` first waits
 *    until LINE's app has put `window._liff.features` into the page, or dispatched a `liffEvent`
 *    of type `ready` ([sdk] init, native-bridge). That object is the app's, not a server's: see
 *    LIFF_NATIVE_BRIDGE_SCRIPT.
 * 4. Tokens. With `feature_token` and `access_token` in the fragment, the SDK asks
 *    `GET https://api.line.me/oauth2/v2.1/verify?access_token=…` (JSON headers, so the browser
 *    sends a CORS preflight) and requires `client_id` to be the channel id in the LIFF id
 *    (`{channelId}-{8 chars}`), else it calls liff.login and fails with INIT_FAILED. It then
 *    stores feature token, access token and expiry (`expires_in`) in sessionStorage.
 * 5. ID token. With `id_token` and `client_id`, the SDK verifies the ID token in the page
 *    ([sdk] verify-id-token): `GET https://api.line.me/oauth2/v2.1/certs` (with the access token
 *    as Bearer) for a JWKS; the key whose `kid` is the token's; `alg` must be ES256 (ECDSA P-256,
 *    checked with crypto.subtle); `iss` must be `https://access.line.me`, `aud` the client_id,
 *    `exp` not past. Any failure rejects liff.init with INVALID_ID_TOKEN. `liff.getIDToken()`
 *    returns that raw JWT, and LINE's `POST /oauth2/v2.1/verify` accepts it like the web login's
 *    ([ref]: LIFF and the SDKs get ES256 tokens, web login HS256).
 * 6. Context. `context_token` is a JWT whose payload the SDK decodes without checking a
 *    signature: `liffId` (must equal the one passed to liff.init), `endpointUrl` and
 *    `permanentLinkPattern` (both required to follow `liff.state`), `type`, `viewType`,
 *    `scope`, `availability` (which client features LINE grants). With
 *    `availability.multipleLiffTransition.permission` the SDK hands the feature token to the
 *    app through a `liff://app/…` URL only LINE's app can open: this emulator grants no client
 *    feature, as an app without those permissions gets.
 * 7. Secondary redirect. Once the tokens are in, liff.init replaces the location with the
 *    endpoint URL's origin and path joined with `liff.state` (query strings concatenated) and
 *    never resolves on that page; on the next page liff.init finds the tokens in sessionStorage
 *    (asking /verify again) and resolves, with `isLoggedIn()` true and `getIDToken()` the token.
 *    Credentials are then removed from the visible URL.
 * 8. Also loaded, not needed: the SDK's legacy client extensions from
 *    `https://static.line-scdn.net/liff/edge/2/…-extensions_2_22_0.js` and its message texts from
 *    `https://liffsdk.line-scdn.net/xlt/manifest.json` (LINE's CDN, not emulated: a failure only
 *    logs a warning). A page opened in the LIFF browser with no credentials at all (neither in
 *    the fragment nor kept from an earlier page) is a "subsequent" LIFF page: the SDK sends it to
 *    LINE's `https://access.line.me/liff/v1/authorize` (liff.login), not emulated here.
 *    Outside LINE and not logged in, the SDK asks
 *    `GET https://api.line.me/liff/v2/apps/{liffId}/contextToken` for `{contextToken}`.
 * The browser calls these endpoints from the app's own origin, so LINE answers them with CORS
 * headers (else no LIFF app anywhere could read them).
 */

/** [ref] LIFF ID tokens: signed by LINE (ES256), issued by access.line.me, valid one hour. */
const LIFF_ID_TOKEN_TTL_SECONDS = 60 * 60;
const LIFF_URL_ORIGIN = 'https://liff.line.me';
/** [ref] LIFF IDs: the LINE Login channel id, a dash, and 8 characters. */
const LIFF_ID_PATTERN = /^(\d+)-[A-Za-z0-9]{8}$/;

/**
 * A LIFF browser's user agent as the SDK recognises it ([sdk] util isLIFFBrowser, get-os,
 * get-line-version): an Android phone's web view with `Line/<version> LIFF` at the end.
 */
export function liffBrowserUserAgent(lineVersion = '14.19.1'): string {
  return `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.0.0 Mobile Safari/537.36 Line/${lineVersion} LIFF`;
}

/**
 * What LINE's app puts into its LIFF browser before the page runs, as far as liff.init needs it
 * (contract 3): the native bridge object with its feature list. The real object also carries
 * `postMessage` to the app, which only client features (scanCode, closeWindow, …) use; it is
 * left out, so such a call fails loudly instead of pretending. Run it as a browser init script.
 */
export const LIFF_NATIVE_BRIDGE_SCRIPT = 'window._liff = window._liff || { features: [] };';

export function channelIdOfLiffId(liffId: string): string | undefined {
  return LIFF_ID_PATTERN.exec(liffId)?.[1];
}

/** Registers a LIFF app of the emulator's LINE Login channel (its id starts with that channel's). */
export function registerLiffApp(
  state: LineEmulatorState,
  options: ResolvedOptions,
  app: { liffId: string; endpointUrl: string; scope?: string[] },
): EmulatedLiffApp {
  if (channelIdOfLiffId(app.liffId) !== options.loginChannelId) {
    throw new Error(`LIFF id ${app.liffId} is not an app of LINE Login channel ${options.loginChannelId}`);
  }
  const endpoint = new URL(app.endpointUrl);
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw new Error('endpointUrl must be an http(s) URL');
  return state.addLiffApp({ liffId: app.liffId, endpointUrl: endpoint.toString(), scope: app.scope ?? ['openid', 'profile'] });
}

/** The ID token LINE hands a LIFF app for this user (contract 5): ES256, aud = the channel id. */
export function issueLiffIdToken(
  state: LineEmulatorState,
  options: ResolvedOptions,
  user: EmulatedUser,
  extra: { ttlSeconds?: number } = {},
): string {
  return signEs256(idTokenClaims(state, options, user, extra.ttlSeconds ?? LIFF_ID_TOKEN_TTL_SECONDS), state.liffSigningKey);
}

export interface OpenedLiffApp {
  /** The URL LINE's LIFF browser loads: endpoint URL, liff.state, credentials in the fragment. */
  url: string;
  idToken: string;
  accessToken: string;
}

/**
 * A user taps a LIFF URL inside LINE (contract 1): where LINE's LIFF browser goes, with the
 * credentials LINE mints for this user and app. `idTokenTtlSeconds` ≤ 0 gives an expired token.
 */
export function openLiffUrl(
  state: LineEmulatorState,
  options: ResolvedOptions,
  input: { userId: string; liffUrl: string; idTokenTtlSeconds?: number },
): OpenedLiffApp {
  const user = state.getUser(input.userId);
  if (!user) throw new Error(`unknown emulated user ${input.userId}`);
  const liffUrl = new URL(input.liffUrl);
  const [, liffId = '', ...rest] = liffUrl.pathname.split('/');
  if (liffUrl.origin !== LIFF_URL_ORIGIN) throw new Error(`not a LIFF URL: ${input.liffUrl}`);
  const app = state.getLiffApp(liffId);
  if (!app) throw new Error(`no LIFF app ${liffId}`);

  // [open] the LIFF URL's path and query after the id travel in liff.state ("Concatenate").
  const extra = (rest.length > 0 ? `/${rest.join('/')}` : '') + liffUrl.search;
  const target = new URL(app.endpointUrl);
  if (extra !== '' && extra !== '/') target.searchParams.set('liff.state', extra);

  const channelId = options.loginChannelId;
  const access = state.issueLoginAccessToken(user.userId, channelId, app.scope.join(' '));
  const idToken = app.scope.includes('openid')
    ? issueLiffIdToken(state, options, user, { ttlSeconds: input.idTokenTtlSeconds })
    : undefined;
  const credentials = new URLSearchParams({
    context_token: contextToken(state, app, user),
    feature_token: newOpaqueToken(),
    access_token: access.token,
    ...(idToken ? { id_token: idToken } : {}),
    client_id: channelId,
  });
  target.hash = credentials.toString();
  return { url: target.toString(), idToken: idToken ?? '', accessToken: access.token };
}

/** Contract 6: what the SDK reads from the context (LINE's carries more: menu colours, ids of the chat). */
function contextToken(state: LineEmulatorState, app: EmulatedLiffApp, user: EmulatedUser | undefined): string {
  return signEs256(
    {
      type: user ? 'utou' : 'none',
      ...(user ? { userId: user.userId } : {}),
      liffId: app.liffId,
      endpointUrl: app.endpointUrl,
      permanentLinkPattern: 'concat',
      viewType: 'full',
      scope: app.scope,
      availability: {},
    },
    state.liffSigningKey,
  );
}

/** The LIFF paths browsers call on api.line.me (contract 4, 5, 8). */
const BROWSER_PATHS = ['/oauth2/v2.1/verify', '/oauth2/v2.1/certs', '/liff/v2/apps'];

/** api.line.me's LIFF endpoints; mounted before the LINE Login routes (whose GET /verify the SDK calls). */
export function liffRoutes(state: LineEmulatorState): Router {
  const router = Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!BROWSER_PATHS.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
    res.set({
      'access-control-allow-origin': req.get('origin') ?? '*',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type, accept',
      'access-control-max-age': '600',
      vary: 'origin',
    });
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });

  router.get('/oauth2/v2.1/certs', (_req, res) => {
    res.json({ keys: [es256PublicJwk(state.liffSigningKey)] });
  });

  router.get('/liff/v2/apps/:liffId/contextToken', (req, res) => {
    const app = state.getLiffApp(String(req.params.liffId));
    if (!app) return void res.status(404).json({ error: 'not_found', error_description: 'LIFF app not found' });
    res.json({ contextToken: contextToken(state, app, undefined) });
  });

  return router;
}
