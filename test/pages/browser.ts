import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

/**
 * Headless Debian chromium driven by playwright-core, sized like a phone. The page tests skip
 * only when chromium is not installed at all (scripts/ensure-chromium.sh installs it); a
 * chromium that is there but fails to start fails the tests.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PHONE_VIEWPORT = { width: 390, height: 844 };
export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

export const chromiumAvailable = existsSync(CHROMIUM_PATH);

/** `describe` when chromium is installed, else a skipped `describe` with the reason printed once. */
export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumAvailable) return describe(name, body);
  console.warn(`skipping "${name}": no chromium at ${CHROMIUM_PATH} (run scripts/ensure-chromium.sh as root)`);
  describe.skip(name, body);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A phone-sized context; with an ID token it is that LINE user, as after LINE Login. `options`
 * adds to the phone's (e.g. LINE's LIFF browser's user agent).
 */
export async function phoneContext(browser: Browser, idToken?: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: PHONE_VIEWPORT,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: false,
    locale: 'zh-TW',
    ...options,
  });
  if (idToken) await context.addInitScript((token) => sessionStorage.setItem('idToken', token), idToken);
  return context;
}

/** A desktop browser window (the support console is a desktop page). */
export const DESKTOP_VIEWPORT = { width: 1440, height: 900 };
export async function desktopContext(browser: Browser, locale = 'en-US'): Promise<BrowserContext> {
  return browser.newContext({ viewport: DESKTOP_VIEWPORT, deviceScaleFactor: 1, locale });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** One part of a long page, at full resolution (a whole-page shot of the console is too tall to read). */
export async function screenshotOf(locator: Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await locator.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Fails the test with what the page logged when its scripts threw. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** Every form control on the page has a label a screen reader would read. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
    els.filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
  );
}

/** Waits until a visible element's text matches; fails with the text it had. */
export async function expectText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  try {
    await page.waitForFunction(
      ({ selector, source, flags }) => {
        const el = document.querySelector(selector);
        return !!el && !(el as HTMLElement).closest('[hidden]') && new RegExp(source, flags).test((el.textContent ?? '').trim());
      },
      { selector, source: pattern.source, flags: pattern.flags },
      { timeout: 20_000 },
    );
  } catch {
    const actual = await page.$eval(selector, (el) => el.textContent?.trim()).catch(() => '(missing)');
    throw new Error(`${selector}: expected ${pattern}, got "${actual}"`);
  }
}

/** Waits until an image has really loaded (a broken src never gets a natural width). */
export async function expectImageLoaded(page: Page, selector: string): Promise<void> {
  await page.waitForFunction(
    (s) => {
      const img = document.querySelector(s) as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    },
    selector,
    { timeout: 20_000 },
  );
}
