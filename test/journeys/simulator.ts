import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { CHAT_TEXTS } from '../../src/line/webhook/texts';
import { eventually, type Party } from '../support/deal-steps';
import type { LineDealHarness } from '../line-webhook/harness';
import { PHONE_VIEWPORT, SCREENSHOT_DIR, collectPageErrors } from '../pages/browser';

/**
 * A person's hands on the chat simulator (src/pages/simulator), for the journeys of issue 10:
 * the seller's side on the left, the buyer's on the right, each typing, tapping and opening our
 * pages from the chat's buttons as a LINE user would. Shared by test/journeys and the journey
 * tests in test/pages.
 */
export interface ChatSimulator {
  context: BrowserContext;
  page: Page;
  /** What the simulator and every page opened from it threw: a journey fails on any. */
  errors: string[];
  seller(): Locator;
  buyer(): Locator;
}

export async function openChatSimulator(browser: Browser, h: LineDealHarness): Promise<ChatSimulator> {
  const context = await browser.newContext({ viewport: { width: 900, height: 1000 }, locale: 'zh-TW' });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${h.baseUrl}/pages/simulator`);
  return { context, page, errors, seller: () => page.locator('.side').nth(0), buyer: () => page.locator('.side').nth(1) };
}

/** "New user" in the simulator: a LINE user who adds our account and is welcomed. */
export async function newChatUser(h: LineDealHarness, side: Locator): Promise<Party> {
  const before = await side.locator('select.users option').count();
  await side.locator('button.new').click();
  await eventually(async () => (await side.locator('select.users option').count()) > before);
  await side.locator('.log .msg', { hasText: CHAT_TEXTS['zh-TW'].welcome }).waitFor({ timeout: 15_000 });
  const userId = await side.locator('select.users').inputValue();
  return { userId, token: await idTokenOf(h, userId) };
}

/** A LINE ID token for the user, as LINE Login or LIFF would give our pages. */
export async function idTokenOf(h: LineDealHarness, userId: string): Promise<string> {
  const res = await fetch(`${h.line.baseUrl}/__emulator/id-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, ttlSeconds: 3600 }),
  });
  return ((await res.json()) as { idToken: string }).idToken;
}

export async function type(side: Locator, text: string): Promise<void> {
  await side.locator('input.text').fill(text);
  await side.getByRole('button', { name: 'Send', exact: true }).click();
}

/** The newest message from us with this text, once it arrived. */
export async function sees(side: Locator, text: string, timeoutMs = 30_000): Promise<Locator> {
  const message = side.locator('.log .msg:not(.me)', { hasText: text }).last();
  await message.waitFor({ timeout: timeoutMs });
  return message;
}

export async function tap(side: Locator, label: string): Promise<void> {
  await side.locator('.log .msg button', { hasText: label }).last().click();
}

/** A uri button: the simulator opens our page in a new tab, signed in as that LINE user. */
export async function open(side: Locator, label: string, errors: string[]): Promise<Page> {
  const [tab] = await Promise.all([side.page().context().waitForEvent('page'), tap(side, label)]);
  tab.on('pageerror', (err) => errors.push(`${tab.url()}: ${err.message}`));
  await tab.setViewportSize(PHONE_VIEWPORT);
  await tab.waitForLoadState();
  return tab;
}

/** The one side of the simulator the journey is about (the other may show the same user). */
export async function chatShot(side: Locator, name: string): Promise<void> {
  await side.page().waitForTimeout(1200); // the simulator polls once a second; let the last answer render
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await side.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
