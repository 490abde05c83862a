import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import type { Knex } from 'knex';
import { createApiApp } from '../../src/api/app';
import { edgeRouters } from '../../src/api/edge-routers';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import { RecordingChatPort } from '../../src/chat/recording';
import { loadSettings, type Settings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';
import { isOpenableUri } from '../../src/pages/simulator/safe-uri';
import { collectPageErrors, describeWithChromium, launchBrowser } from '../pages/browser';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';
import { productionEnv } from './production-env';

/**
 * Finding 16: the chat simulator is a development tool. Production does not mount it; it takes
 * its emulator from the server's settings, never from the query string; it opens only http(s).
 */
describe('chat simulator', () => {
  let knex: Knex;
  let connection: Connection;
  let line: RunningLineEmulator;
  const servers: http.Server[] = [];

  beforeAll(async () => {
    knex = createKnex(testDatabaseUrl(), 2);
    connection = await Connection.connect({ address: testTemporalAddress() });
    line = await startLineEmulator({});
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await line?.close();
    await connection?.close();
    await knex?.destroy();
  });

  /** The real api app with the given settings, on a free port. */
  const serve = async (settings: Settings): Promise<string> => {
    const app = createApiApp({
      knex,
      temporal: new Client({ connection }),
      chat: new RecordingChatPort(),
      settings,
      verifier: lineIdentityVerifier(settings),
      extraRouters: edgeRouters(settings),
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const devSettings = () => loadSettings({ TASK_QUEUE: uniqueId('sim'), LINE_API_BASE_URL: line.baseUrl });

  it('production answers 404 for the simulator and its config', async () => {
    const base = await serve(loadSettings({ ...productionEnv(), TASK_QUEUE: uniqueId('sim-prod') }));
    for (const path of ['/pages/simulator', '/pages/simulator/config.json', '/pages/simulator?emulator=http://127.0.0.1:1']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('__emulator');
    }
  });

  it('in development it is served with its emulator from the settings and a policy that allows only that origin', async () => {
    const base = await serve(devSettings());
    const page = await fetch(`${base}/pages/simulator`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${new URL(line.baseUrl).origin}`);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe-inline' 'unsafe-eval");
    expect(await (await fetch(`${base}/pages/simulator/config.json`)).json()).toEqual({ lineEmulatorUrl: line.baseUrl });
  });

  it.each([
    ['https://shop.example/pay', true],
    ['http://127.0.0.1:3000/pages/pay/X', true],
    ['javascript:alert(1)', false],
    ['JavaScript:alert(1)', false],
    ['  javascript:alert(1)', false],
    ['java\nscript:alert(1)', false],
    ['\u0000javascript:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['vbscript:msgbox(1)', false],
    ['file:///etc/passwd', false],
    ['line://ti/p/@escrow', false],
    ['tel:0912345678', false],
    ['//evil.example/x', false],
    ['/pages/pay/X', false],
    ['', false],
    [undefined, false],
    [42, false],
  ])('isOpenableUri(%j) is %s', (uri, expected) => {
    expect(isOpenableUri(uri)).toBe(expected);
  });

  describeWithChromium('in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('ignores ?emulator= and refuses to open a javascript: link a message carries', async () => {
      const base = await serve(devSettings());
      const userId = 'U' + 'a'.repeat(32);
      line.state.addUser({ userId, displayName: 'seller sim', friend: true });
      const page = await browser.newPage();
      const errors = collectPageErrors(page);
      const opened: string[] = [];
      page.context().on('page', (p) => opened.push(p.url()));
      const hostile = [
        {
          id: '1',
          quoteToken: 'q',
          to: userId,
          via: 'push',
          requestId: 'r',
          at: Date.now(),
          message: {
            type: 'flex',
            altText: 'x',
            contents: {
              type: 'bubble',
              body: {
                type: 'box',
                layout: 'vertical',
                contents: [{ type: 'button', action: { type: 'uri', label: 'Open me', uri: 'javascript:window.opener.__pwned=1' } }],
              },
            },
          },
        },
      ];
      // What a tampered emulator (or anything in between) could send: the page must not trust it.
      await page.route(`${line.baseUrl}/__emulator/messages**`, (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*' },
          body: JSON.stringify(hostile),
        }),
      );
      await page.goto(`${base}/pages/simulator?emulator=http://127.0.0.1:9`);
      await page.locator('#emu', { hasText: line.baseUrl }).waitFor({ timeout: 10_000 });
      const button = page.locator('.side').first().locator('button', { hasText: 'Open me' });
      await button.waitFor({ timeout: 10_000 });
      await button.click();
      await page.locator('.side').first().locator('.err', { hasText: /http/ }).waitFor({ timeout: 10_000 });
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(opened).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
