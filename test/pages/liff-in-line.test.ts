import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  EMULATOR_DEFAULTS,
  LIFF_NATIVE_BRIDGE_SCRIPT,
  liffBrowserUserAgent,
  openLiffUrl,
  type OpenedLiffApp,
} from '../../src/emulators/line';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, eventually, type Party } from '../support/deal-steps';
import { collectPageErrors, describeWithChromium, expectText, launchBrowser, phoneContext, screenshot } from './browser';

/**
 * Our pages opened inside LINE as a LIFF app (issue 10), with the real `@line/liff` SDK our
 * pages serve. The browser is LINE's LIFF browser: its user agent, the native bridge LINE's app
 * puts into the page (the one thing of the app liff.init waits for), and the URL LINE opens when
 * the user taps `https://liff.line.me/<id>/pages/…`: our endpoint with liff.state and the
 * credentials LINE mints in the fragment (the LINE emulator's openLiffUrl, src/emulators/line/liff.ts).
 * LINE's servers are unreachable here, so the browser's requests to *.line.me go to the LINE
 * emulator (context.route stands in for DNS); the api verifies the ID token against the same
 * emulator through its base-URL setting (LINE_LOGIN_API_BASE_URL, else LINE_API_BASE_URL), as
 * production does against api.line.me.
 */
const LIFF_ID = `${EMULATOR_DEFAULTS.loginChannelId}-AbCdEfGh`;
const LINE_HOSTS = /^https:\/\/[a-z0-9-]+\.line\.me\//;
const LINE_CDN = /^https:\/\/[a-z0-9-]+\.line-scdn\.net\//;

describeWithChromium('our pages opened inside LINE (LIFF)', () => {
  let h: DealHarness;
  /** Our server: the api serves the pages with LIFF_ID, as in production (same origin as LINE Login's callback). */
  let site: { baseUrl: string };
  let browser: Browser;
  let seller: Party;

  beforeAll(async () => {
    h = await startDealHarness({ env: { LIFF_ID } });
    site = { baseUrl: h.baseUrl };
    // Our LIFF app as the README asks for it: endpoint URL = PUBLIC_BASE_URL.
    const registered = await fetch(`${h.line.baseUrl}/__emulator/liff/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ liffId: LIFF_ID, endpointUrl: `${site.baseUrl}/` }),
    });
    expect(registered.status).toBe(201);
    browser = await launchBrowser();
    seller = await h.newUser();
    await activateWallet(h, seller);
    await createLink(h, seller, { name: 'Film camera (LIFF)', unitPriceMinor: 4200, quantity: 1 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  interface InLine {
    context: BrowserContext;
    page: Page;
    errors: string[];
    /** Requests the SDK made to LINE's hosts, as `METHOD host/path`. */
    lineRequests: string[];
    /** Our api's answers to the page: the bearer it was sent and the status. */
    apiCalls: { path: string; bearer: string | undefined; status: number }[];
    loginRedirects: string[];
    /** How each page's liff.init ended (RECORD_LIFF_INIT). */
    liffInits: string[];
  }

  async function lineBrowser(): Promise<InLine> {
    const context = await phoneContext(browser, undefined, { userAgent: liffBrowserUserAgent() });
    await context.addInitScript(LIFF_NATIVE_BRIDGE_SCRIPT);
    const liffInits: string[] = [];
    await context.exposeFunction('recordLiffInit', (outcome: string) => void liffInits.push(outcome));
    await context.addInitScript(RECORD_LIFF_INIT);
    const lineRequests: string[] = [];
    await context.route(LINE_HOSTS, async (route) => {
      const url = new URL(route.request().url());
      lineRequests.push(`${route.request().method()} ${url.host}${url.pathname}`);
      const response = await route.fetch({ url: `${h.line.baseUrl}${url.pathname}${url.search}` });
      await route.fulfill({ response });
    });
    // LINE's CDN: the SDK's optional client extensions and message texts (LINE's files, not emulated); liff.init carries on without them.
    await context.route(LINE_CDN, (route) => route.abort('namenotresolved'));
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const apiCalls: InLine['apiCalls'] = [];
    const loginRedirects: string[] = [];
    page.on('request', (r) => void (r.url().includes('/auth/line/login') && loginRedirects.push(r.url())));
    // Read synchronously: an awaited read of a response still arriving as the test closes its
    // context would reject after the test (a CI run failed every test of this file so).
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.origin !== site.baseUrl || !url.pathname.startsWith('/api/')) return;
      const bearer = /^Bearer (.+)$/.exec(r.request().headers().authorization ?? '')?.[1];
      apiCalls.push({ path: url.pathname, bearer, status: r.status() });
    });
    return { context, page, errors, lineRequests, apiCalls, loginRedirects, liffInits };
  }

  /** The page's call has been answered (responses are recorded as they come, after the page may have moved on). */
  const answered = (inLine: InLine, path: string) => eventually(async () => inLine.apiCalls.some((c) => c.path === path), 10_000);

  function tap(liffUrl: string, idTokenTtlSeconds?: number): OpenedLiffApp {
    return openLiffUrl(h.line.state, h.line.options, { userId: seller.userId, liffUrl, idTokenTtlSeconds });
  }

  it('the SDK initialises from what LINE hands it, and the page shows the user their deals with no web login', async () => {
    const opened = tap(`https://liff.line.me/${LIFF_ID}/pages/deals?lang=en`);
    expect(new URL(opened.url).origin).toBe(site.baseUrl); // LINE opens our endpoint, not the page itself
    const inLine = await lineBrowser();
    const verifiesBefore = h.line.state.idTokenVerifyRequests;

    await inLine.page.goto(opened.url);
    await inLine.page.waitForURL(`${site.baseUrl}/pages/deals?lang=en`, { timeout: 30_000 });
    await expectText(inLine.page, '#deal-list', /Film camera \(LIFF\)/);

    expect(inLine.loginRedirects).toEqual([]);
    // On our endpoint URL liff.init took LINE's credentials and went on to the page itself; there it resolved.
    expect(inLine.liffInits).toEqual(['/pages/deals resolved']);
    // The SDK did what LINE's LIFF browser has it do: access token checked, ID token checked against LINE's keys.
    expect(inLine.lineRequests).toEqual(
      expect.arrayContaining(['GET api.line.me/oauth2/v2.1/verify', 'GET api.line.me/oauth2/v2.1/certs']),
    );
    expect(await inLine.page.evaluate(() => (window as any).liff.isInClient())).toBe(true);
    expect(await inLine.page.evaluate(() => (window as any).liff.getIDToken())).toBe(opened.idToken);
    // Our api was sent the ID token LINE minted for the LIFF app, and accepted it after asking LINE.
    await answered(inLine, '/api/orders');
    expect(inLine.apiCalls).toContainEqual({ path: '/api/orders', bearer: opened.idToken, status: 200 });
    expect(h.line.state.idTokenVerifyRequests).toBeGreaterThan(verifiesBefore);
    // The credentials left the visible URL.
    expect(inLine.page.url()).not.toContain('access_token');
    expect(inLine.errors).toEqual([]);
    await screenshot(inLine.page, 'liff-in-line');

    // A later page in the same LIFF browser: liff.init finds LINE's credentials the first page kept.
    const lineRequestsBefore = inLine.lineRequests.length;
    await inLine.page.click('#to-wallet');
    await inLine.page.waitForURL(`${site.baseUrl}/pages/wallet?lang=en`);
    await expectText(inLine.page, '#wallet-state', /active/);
    await answered(inLine, '/api/wallet');
    expect(inLine.apiCalls).toContainEqual({ path: '/api/wallet', bearer: opened.idToken, status: 200 });
    expect(inLine.lineRequests.slice(lineRequestsBefore)).toEqual(['GET api.line.me/oauth2/v2.1/verify']);
    expect(inLine.liffInits).toEqual(['/pages/deals resolved', '/pages/wallet resolved']);
    expect(inLine.loginRedirects).toEqual([]);
    expect(inLine.errors).toEqual([]);
    await inLine.context.close();
  });

  it('a LIFF URL naming no page opens the deals, the SDK having nothing to redirect to', async () => {
    const opened = tap(`https://liff.line.me/${LIFF_ID}`);
    expect(new URL(opened.url).searchParams.has('liff.state')).toBe(false);
    const inLine = await lineBrowser();
    await inLine.page.goto(opened.url);
    await inLine.page.waitForURL(`${site.baseUrl}/pages/deals`, { timeout: 30_000 });
    await expectText(inLine.page, '#deal-list', /Film camera \(LIFF\)/);
    expect(inLine.liffInits).toEqual(['/ resolved', '/pages/deals resolved']);
    expect(inLine.loginRedirects).toEqual([]);
    expect(inLine.errors).toEqual([]);
    await inLine.context.close();
  });

  it.each([
    ['tampered with (another user put in)', (o: OpenedLiffApp) => tamper(o)],
    ['expired', (o: OpenedLiffApp) => o],
  ])('an ID token %s is refused and the page falls back to the web login', async (what, change) => {
    const opened = change(tap(`https://liff.line.me/${LIFF_ID}/pages/deals?lang=en`, what === 'expired' ? -60 : undefined));
    const inLine = await lineBrowser();
    const login = inLine.page.waitForRequest(/\/auth\/line\/login\?next=/, { timeout: 30_000 });
    await inLine.page.goto(opened.url);
    expect(new URL((await login).url()).searchParams.get('next')).toBe('/pages/deals?lang=en');
    // The SDK refused the token on our endpoint URL and again on the page our entry page went on to.
    expect(inLine.liffInits).toEqual(['/ rejected INVALID_ID_TOKEN', '/pages/deals rejected INVALID_ID_TOKEN']);
    // The page never sent that token to our api; had it, the api would have refused it too.
    expect(inLine.apiCalls.filter((c) => c.bearer === opened.idToken)).toEqual([]);
    expect((await h.call('GET', '/api/orders', opened.idToken)).status).toBe(401);
    expect(inLine.errors).toEqual([]);
    await inLine.context.close();
  });

  it("once LINE's ID token has expired, a later page signs in through the web login and keeps that token", async () => {
    // LINE's ID token lasts an hour; the LIFF session (its access token) outlives it, and liff.init
    // keeps handing out the same ID token. A few seconds stand in for the hour.
    const opened = tap(`https://liff.line.me/${LIFF_ID}/pages/deals?lang=en`, 4);
    const expiresAtMs = (JSON.parse(Buffer.from(opened.idToken.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
    const inLine = await lineBrowser();
    await inLine.page.goto(opened.url);
    await inLine.page.waitForURL(`${site.baseUrl}/pages/deals?lang=en`, { timeout: 30_000 });
    await expectText(inLine.page, '#deal-list', /Film camera \(LIFF\)/);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now()) + 500));

    await inLine.page.click('#to-wallet');
    // LINE Login (the emulator's account picker): the same user signs in.
    await inLine.page.waitForURL(`${h.line.baseUrl}/oauth2/v2.1/authorize?**`, { timeout: 30_000 });
    await inLine.page.click(`a[href*="login_hint=${seller.userId}"]:not([href*="emulator_add_friend"])`);
    await inLine.page.waitForURL(`${site.baseUrl}/pages/wallet?lang=en`, { timeout: 30_000 });
    await expectText(inLine.page, '#wallet-state', /active/);
    await answered(inLine, '/api/wallet/statement');
    expect(inLine.apiCalls.filter((c) => c.status === 401).map((c) => c.bearer)).toEqual([opened.idToken]);
    expect(inLine.apiCalls.filter((c) => c.status === 200).every((c) => c.bearer !== opened.idToken || c.path === '/api/orders')).toBe(
      true,
    );
    expect(inLine.loginRedirects).toHaveLength(1);
    expect(inLine.errors).toEqual([]);
    await inLine.context.close();
  });
});

/**
 * Watches (never replaces) the SDK: how each page's liff.init ended, told to the test. A page whose init neither resolved nor rejected was left by the
 * SDK itself (its secondary redirect to the page in liff.state).
 */
const RECORD_LIFF_INIT = `(() => {
  let sdk;
  const record = (outcome) => window.recordLiffInit(location.pathname + ' ' + outcome);
  Object.defineProperty(window, 'liff', {
    configurable: true,
    get: () => sdk,
    set: (value) => {
      sdk = value;
      const init = value.init.bind(value);
      value.init = (...args) =>
        init(...args).then(
          (result) => (record('resolved'), result),
          (err) => {
            record('rejected ' + (err && err.code));
            throw err;
          },
        );
    },
  });
})();`;

/** The same token with another user's id in it, its signature left as it was. */
function tamper(opened: OpenedLiffApp): OpenedLiffApp {
  const [header, payload, signature] = opened.idToken.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string };
  const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: `U${'f'.repeat(32)}` })).toString('base64url')}.${signature}`;
  const url = new URL(opened.url);
  const fragment = new URLSearchParams(url.hash.slice(1));
  fragment.set('id_token', forged);
  url.hash = fragment.toString();
  return { ...opened, url: url.toString(), idToken: forged };
}
