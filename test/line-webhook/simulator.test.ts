import { userRow } from '../support/deal-steps';
import type { Browser } from 'playwright-core';
import { CHAT_TEXTS } from '../../src/line/webhook/texts';
import { describeWithChromium, collectPageErrors, launchBrowser } from '../pages/browser';
import { startLineDealHarness, type LineDealHarness } from './harness';

describe('chat simulator page', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the page and tells it where the emulator is; the emulator allows it cross-origin', async () => {
    const page = await fetch(`${h.baseUrl}/pages/simulator`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/__emulator');
    expect(await (await fetch(`${h.baseUrl}/pages/simulator/config.json`)).json()).toEqual({ lineEmulatorUrl: h.line.baseUrl });
    const preflight = await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'OPTIONS',
      headers: { origin: h.baseUrl, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
  });

  describeWithChromium('in a browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("creates a seller, who adds the bot, types help and sees the bot's answers", async () => {
      const page = await browser.newPage();
      const errors = collectPageErrors(page);
      await page.goto(`${h.baseUrl}/pages/simulator`);
      const seller = page.locator('.side').first();
      await seller.locator('button.new').click();
      await seller.locator('.log .msg', { hasText: CHAT_TEXTS['zh-TW'].welcome }).waitFor({ timeout: 10_000 });
      await seller.locator('input.text').fill('help');
      await seller.locator('form button').click();
      await seller.locator('.log .msg', { hasText: '賣 <價格> <數量> <品名>' }).waitFor({ timeout: 10_000 });
      await expect(seller.locator('.log .msg.me', { hasText: 'help' }).count()).resolves.toBe(1);
      const users = h.line.state.listUsers();
      expect(users).toHaveLength(1);
      expect((await userRow(h, users[0]!.userId)).is_friend).toBe(true);
      expect(errors).toEqual([]);
    });
  });
});
