import type { Browser } from 'playwright-core';
import { escrowAccountId } from '../../src/domain/ids';
import type { DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, orderState } from '../support/deal-steps';
import { collectPageErrors, describeWithChromium, expectText, desktopContext, screenshot, unlabelledControls } from './browser';
import { pagesSuite } from './site';
import { signInToConsole } from './staff-sign-in';

/** Issue 9, finding 3: a parked deal is in the console's queue, and an agent's retry settles it. */
describeWithChromium('a parked deal in the support console', () => {
  let h: DealHarness;
  let browser: Browser;
  pagesSuite((started) => ({ h, browser } = started));

  it('a refused refund parks the deal; the agent sees why and retries once the provider is fixed', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Tea set', unitPriceMinor: 2000, quantity: 1 });
    await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'chipped cup' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
    const record = [...h.payments.state.charges.values()].find((c) => c.charge.reference === link.paymentCode)!;
    record.charge.status = 'failed'; // the provider now refuses refunds of this charge
    await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, h.staff.tokens.agent, {
      resolution: 'refund',
      sellerAmountMinor: 0,
      buyerAmountMinor: 2000,
    });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'parked');

    const context = await desktopContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    await signInToConsole(page, 'agent');
    expect(await unlabelledControls(page)).toEqual([]);
    // The parked queue, narrowed to refused settlements, then to this deal.
    await page.getByRole('tab', { name: 'Parked deals' }).click();
    await page.getByRole('combobox', { name: 'Why parked' }).selectOption('settlement_refused');
    await page.getByRole('textbox', { name: 'Filter (text)' }).fill(link.transactionCode);
    const row = page.locator('#queue-table tbody tr', { hasText: link.transactionCode });
    await row.waitFor();
    await expectText(page, '#queue-table tbody', /Release or refund refused/i);
    await screenshot(page, 'support-parked-queue');

    await row.getByRole('button', { name: `Open ${link.transactionCode}` }).click();
    await expectText(page, '[data-detail="state"]', /^parked$/);
    await page.getByRole('radio', { name: 'Retry the step' }).check();
    record.charge.status = 'succeeded';
    // A note is required: the refusal shows next to it.
    await page.locator('#parked-form').getByRole('button', { name: 'Send', exact: true }).click();
    await expectText(page, '#parked-note-error', /.+/);
    await page.locator('#parked-form').getByRole('textbox', { name: 'Note', exact: true }).fill('provider re-enabled refunds');
    await page.locator('#parked-form').getByRole('button', { name: 'Send', exact: true }).click();
    await expectText(page, '#status', /the deal goes on/);
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'refunded');
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(0);
    await expectText(page, '[data-detail="state"]', /^refunded$/);
    await page.waitForFunction((code) => !document.querySelector('#queue-table tbody')?.textContent?.includes(code), link.transactionCode);
    await screenshot(page, 'support-parked-retried');
    expect(errors).toEqual([]);
    await context.close();
  });
});
