import { Router, type Request, type Response } from 'express';
import { PAYMENT_CODE_PATTERN } from '../domain/ids';
import { loadAssets } from './assets';
import { html, type Html } from './html';
import { langFromQuery, messages, translator, type MessageKey, type Translate } from './i18n';
import { ASSET_PREFIX, LIFF_SDK_FILE, renderPage } from './layout';
import { liffSdkScript } from './liff-sdk';
import { bankBody, dealsBody, phoneBody, trackBody, walletBody } from './views/account';
import { payBody } from './views/pay';
import { payReturnBody } from './views/pay-return';
import { supportBody } from './views/support';

export interface PagesRouterOptions {
  /** Origin of the JSON API when it is not this server (e.g. `http://127.0.0.1:3000`); same origin by default. */
  apiBaseUrl?: string;
  /** Temporal Web UI, for the support console's workflow links. */
  temporalUiUrl?: string;
  temporalNamespace?: string;
  /** Where a page sends someone without a LINE ID token; `?next=<path>` is appended. */
  loginPath?: string;
  /** Our LIFF app (LIFF_ID): inside LINE the pages take the ID token from liff.getIDToken(). */
  liffId?: string;
}

const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';
const TX_CODE_PATTERN = /^TX-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

interface PageDef {
  title: MessageKey;
  script: string;
  body: (t: Translate) => Html;
  /** Extra data for the page script from the request; undefined means 404. */
  data?: (req: Request) => Record<string, unknown> | undefined;
  wide?: boolean;
}

/**
 * GET /pages/pay/:code (and its /return from the provider's checkout), /pages/wallet, /pages/phone, /pages/bank, /pages/support,
 * /pages/track/:tx and their assets. LIFF-compatible: plain pages that work in LINE's in-app
 * browser and any phone browser; who the user is comes from the LINE ID token the page sends
 * to the API, never from the page itself.
 */
export function pagesRouter(options: PagesRouterOptions = {}): Router {
  const router = Router();
  const assets = loadAssets();
  const apiBase = (options.apiBaseUrl ?? '').replace(/\/+$/, '');
  const temporalUiUrl = (options.temporalUiUrl ?? DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
  const namespace = options.temporalNamespace ?? 'default';
  const loginPath = options.loginPath ?? '/auth/line/login';
  const apiOrigin = apiBase === '' ? '' : ` ${new URL(apiBase).origin}`;
  const liffId = options.liffId;
  // The LIFF SDK talks to LINE (app info, tokens) and loads its pictures from LINE's CDN.
  const liffOrigins = liffId ? ' https://*.line.me https://*.line-scdn.net' : '';
  // The payment page must not be framed (clickjacking) nor run anything but our own scripts.
  const csp = [
    "default-src 'none'",
    // The LIFF SDK loads its client extensions from LINE's CDN.
    `script-src 'self'${liffId ? ' https://static.line-scdn.net' : ''}`,
    "style-src 'self'",
    `img-src 'self' data:${apiOrigin}${liffOrigins}`,
    `connect-src 'self'${apiOrigin}${liffOrigins}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  const send = (page: PageDef) => (req: Request, res: Response) => {
    const extra = page.data ? page.data(req) : {};
    const lang = langFromQuery(req.query.lang);
    const t = translator(lang);
    if (extra === undefined) {
      res.status(404);
      return void sendHtml(
        res,
        csp,
        renderPage({
          title: t('pay.outcome.not_found'),
          body: html`<p>${t('pay.outcome.not_found')}</p>`,
          t,
          url: req.originalUrl,
          data: { lang, strings: messages(lang), apiBase, loginPath },
        }),
      );
    }
    sendHtml(
      res,
      csp,
      renderPage({
        title: t(page.title),
        script: page.script,
        body: page.body(t),
        wide: page.wide,
        t,
        url: req.originalUrl,
        data: { lang, strings: messages(lang), apiBase, loginPath, ...(liffId ? { liffId } : {}), ...extra },
      }),
    );
  };

  router.get(
    '/pages/pay/:code',
    send({
      title: 'pay.title',
      script: 'pay.js',
      body: payBody,
      data: (req) => (PAYMENT_CODE_PATTERN.test(String(req.params.code)) ? { code: String(req.params.code) } : undefined),
    }),
  );
  // Where the provider's hosted checkout sends the buyer back (it adds ?session_id=…).
  router.get(
    '/pages/pay/:code/return',
    send({
      title: 'pay.return.title',
      script: 'pay-return.js',
      body: payReturnBody,
      data: (req) => (PAYMENT_CODE_PATTERN.test(String(req.params.code)) ? { code: String(req.params.code) } : undefined),
    }),
  );
  router.get(
    '/pages/track/:tx',
    send({
      title: 'track.title',
      script: 'track.js',
      body: trackBody,
      data: (req) => (TX_CODE_PATTERN.test(String(req.params.tx)) ? { transactionCode: String(req.params.tx) } : undefined),
    }),
  );
  router.get('/pages/wallet', send({ title: 'wallet.title', script: 'wallet.js', body: walletBody }));
  router.get('/pages/deals', send({ title: 'deals.title', script: 'deals.js', body: dealsBody }));
  router.get('/pages/phone', send({ title: 'phone.title', script: 'phone.js', body: phoneBody }));
  router.get('/pages/bank', send({ title: 'bank.title', script: 'bank.js', body: bankBody }));
  router.get(
    '/pages/support',
    send({
      title: 'support.title',
      script: 'support.js',
      body: supportBody,
      wide: true,
      data: () => ({ temporalWorkflowUrl: `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/` }),
    }),
  );

  if (liffId) {
    // Our LIFF app's endpoint URL (PUBLIC_BASE_URL). LINE opens a LIFF URL
    // (https://liff.line.me/<id>/pages/…) here first, the page asked for in ?liff.state and its
    // credentials in the fragment; liff.init on this page takes them and goes on to that page.
    router.get('/', send({ title: 'liff.title', script: 'liff-entry.js', body: (t) => html`<p class="busy">${t('liff.opening')}</p>` }));
  }

  router.get(`${ASSET_PREFIX}/${LIFF_SDK_FILE}`, async (_req, res, next) => {
    if (!liffId) return next();
    try {
      res.set({
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        'X-Content-Type-Options': 'nosniff',
      });
      res.send(await liffSdkScript());
    } catch (err) {
      next(err);
    }
  });

  router.get(`${ASSET_PREFIX}/:file`, (req, res, next) => {
    const asset = assets.get(String(req.params.file));
    if (!asset) return next();
    res.set({
      'Content-Type': asset.contentType,
      ETag: asset.etag,
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.get('if-none-match') === asset.etag) return void res.status(304).end();
    res.send(asset.body);
  });

  return router;
}

function sendHtml(res: Response, csp: string, body: string): void {
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  res.send(body);
}
