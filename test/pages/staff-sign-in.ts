import type { Page } from 'playwright-core';
import { TEST_STAFF, type TestStaff } from '../support/staff-identity';

/**
 * Signs a test staff member in to the console on `page` as a person would: the console's link
 * to the company's sign-in (the OIDC provider emulator's page), a click on their name, and back
 * to the console with a session. Resolves once the console shows the queue.
 */
export async function signInToConsole(page: Page, who: TestStaff, options: { expectConsole?: boolean } = {}): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with the company account' }).click();
  await page.waitForSelector('text=Staff sign-in');
  await page.getByRole('link', { name: `Sign in as ${TEST_STAFF[who].name}` }).click();
  if (options.expectConsole === false) await page.waitForSelector('#signin-error:not([hidden])', { timeout: 30_000 });
  else await page.waitForSelector('#console:not([hidden])', { timeout: 30_000 });
}
