import type { Browser } from 'playwright-core';
import { collectPageErrors, describeWithChromium, launchBrowser, phoneContext } from './browser';
import { startPagesSite, type PagesSite } from './site';

/**
 * Our pages as a LIFF app (issue 10): with LIFF_ID the pages load the LIFF SDK (@line/liff,
 * bundled and served from our origin) and call liff.init before anything else; outside LINE —
 * or when LIFF cannot start — they fall back to the web login, as without LIFF.
 */
const LIFF_ID = '1650000000-AbCdEfGh';

describeWithChromium('the pages as a LIFF app', () => {
  let site: PagesSite;
  let plain: PagesSite;
  let browser: Browser;
  beforeAll(async () => {
    // No api behind these sites: the pages are what is tested, up to the login redirect.
    site = await startPagesSite('http://127.0.0.1:9', { liffId: LIFF_ID });
    plain = await startPagesSite('http://127.0.0.1:9');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await plain?.close();
  });

  it('serves the LIFF SDK from our origin and allows LINE in the CSP only with a LIFF id', async () => {
    const page = await fetch(`${site.baseUrl}/pages/wallet`);
    const html = await page.text();
    expect(html).toContain('<script src="/pages/assets/liff-sdk.js"></script>');
    expect(html).toContain(`"liffId":"${LIFF_ID}"`);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' https://*.line.me");
    const sdk = await fetch(`${site.baseUrl}/pages/assets/liff-sdk.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toContain('javascript');
    expect(await sdk.text()).toContain('getIDToken');

    const without = await fetch(`${plain.baseUrl}/pages/wallet`);
    expect(await without.text()).not.toContain('liff-sdk.js');
    expect(without.headers.get('content-security-policy')).not.toContain('line.me');
    expect((await fetch(`${plain.baseUrl}/pages/assets/liff-sdk.js`)).status).not.toBe(200); // not ours: passed on to the (absent) api
  });

  it.each([
    ['a phone browser', undefined],
    ["LINE's in-app browser with LIFF unreachable", 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Line/14.5.0 LIFF'],
  ])('in %s without a token, liff.init runs and the page falls back to the web login', async (_where, userAgent) => {
    const context = await phoneContext(browser);
    if (userAgent) await context.setExtraHTTPHeaders({ 'user-agent': userAgent });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const liffCalls: string[] = [];
    page.on('request', (r) => void (r.url().includes(`/liff/v2/apps/${LIFF_ID}`) && liffCalls.push(r.url())));
    const login = page.waitForRequest(/\/auth\/line\/login\?next=/, { timeout: 30_000 });
    await page.goto(`${site.baseUrl}/pages/deals?lang=en`);
    expect(new URL((await login).url()).searchParams.get('next')).toBe('/pages/deals?lang=en');
    expect(liffCalls.length).toBeGreaterThan(0); // liff.init asked LINE about our LIFF app first
    expect(errors).toEqual([]);
    await context.close();
  });

  // LINE opens a LIFF URL at our endpoint URL with the page in liff.state (test/pages/liff-in-line.test.ts
  // has it inside LINE); outside LINE the entry page goes on to that page itself, and only to ours.
  it.each([
    ['/pages/deals?lang=en', '/pages/deals?lang=en'],
    ['//evil.example/pages/deals', '/pages/deals'],
    ['https://evil.example/pages/deals', '/pages/deals'],
    ['/auth/line/login', '/pages/deals'],
  ])('the endpoint URL with liff.state=%s goes on to %s, then to the web login', async (state, next) => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const login = page.waitForRequest(/\/auth\/line\/login\?next=/, { timeout: 30_000 });
    await page.goto(`${site.baseUrl}/?liff.state=${encodeURIComponent(state)}`);
    expect(new URL((await login).url()).searchParams.get('next')).toBe(next);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('without LIFF_ID the endpoint URL is not a page of ours', async () => {
    expect((await fetch(`${plain.baseUrl}/?liff.state=%2Fpages%2Fdeals`)).status).not.toBe(200); // passed on to the (absent) api
    expect((await fetch(`${site.baseUrl}/`)).headers.get('content-type')).toContain('text/html');
  });
});
