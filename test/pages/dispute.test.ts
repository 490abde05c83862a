import type { Browser, Page } from 'playwright-core';
import { escrowAccountId, transactionCode, walletAccountId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, bindPhone, createLink, eventually, payThroughOtp, orderRow } from '../support/deal-steps';
import {
  collectPageErrors,
  describeWithChromium,
  expectText,
  launchBrowser,
  phoneContext,
  screenshot,
  unlabelledControls,
} from './browser';
import { startPagesSite, type PagesSite } from './site';
import { signInToConsole } from './staff-sign-in';

const TEMPORAL_UI = 'http://temporal-ui.test:8233';

describeWithChromium('a dispute opened on the payment page and resolved in the support console', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  beforeAll(async () => {
    h = await startDealHarness({ env: { TEMPORAL_UI_URL: TEMPORAL_UI } });
    site = await startPagesSite(h.baseUrl, { temporalUiUrl: TEMPORAL_UI });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
  });

  it('buyer disputes with a reason; a viewer may not resolve; an agent splits and the ledger follows', async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller);
    await activateWallet(h, buyer);
    const link = await createLink(h, seller, { name: 'Vintage camera', unitPriceMinor: 12000, quantity: 1 });
    await bindPhone(h, buyer);
    await payThroughOtp(h, buyer, link);
    await eventually(async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.state === 'escrow');

    // The buyer disputes on the page: without a reason the API refuses, next to the field.
    const buyerContext = await phoneContext(browser, buyer.token);
    const buyerPage = await buyerContext.newPage();
    const buyerErrors = collectPageErrors(buyerPage);
    await buyerPage.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}?lang=en`);
    await buyerPage.waitForSelector('#decision-forms:not([hidden])', { timeout: 30_000 });
    await buyerPage.getByRole('button', { name: 'Open a dispute' }).click();
    await expectText(buyerPage, '#dispute-reason-error', /a dispute needs a reason/);
    expect(await buyerPage.getAttribute('#dispute-reason', 'aria-invalid')).toBe('true');
    await screenshot(buyerPage, 'pay-dispute-needs-reason');
    await buyerPage.getByRole('textbox', { name: 'Reason for the dispute', exact: true }).fill('The lens is cracked');
    await buyerPage.getByRole('button', { name: 'Open a dispute' }).click();
    await expectText(buyerPage, '#progress-outcome', /Dispute open.*The lens is cracked/);
    expect(buyerErrors).toEqual([]);
    await screenshot(buyerPage, 'pay-disputed');
    await buyerContext.close();

    // The console, on a phone this time: it still reads as one column.
    const staffContext = await phoneContext(browser);
    const page = await staffContext.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    expect(await unlabelledControls(page)).toEqual([]);

    // Someone the company knows but who has no staff role: no session, and the console says why.
    await signInToConsole(page, 'nobody', { expectConsole: false });
    await expectText(page, '#signin-error', /no support role/);
    expect(await h.knex('staff_sessions').where({ staff_id: 'nobody-nia' }).count('* as n').first()).toEqual({ n: '0' });
    await screenshot(page, 'support-signin-refused');

    // A viewer sees the queue and the order but the API refuses the resolution (403).
    await signInToConsole(page, 'viewer');
    await expectText(page, '#whoami', /Vic \(viewer\).*viewer/);
    await openDispute(page, link.paymentCode);
    await page.getByRole('radio', { name: 'Release to the seller' }).check();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expectText(page, '#resolve-form [data-form-error]', /not allowed.*agent role/);
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The agent: the order's detail, its history and reason, the Temporal UI link.
    await signInToConsole(page, 'agent');
    await openDispute(page, link.paymentCode);
    await expectText(page, '[data-detail="reason"]', /^The lens is cracked$/);
    await expectText(page, '#parties tr[data-role="buyer"]', new RegExp(buyer.userId));
    expect(await page.$$eval('#messages .bubble', (bubbles) => bubbles.map((b) => (b as HTMLElement).dataset.kind))).toEqual(
      expect.arrayContaining(['stage_one', 'dispute_opened']),
    );
    expect(await page.getAttribute('#temporal-link', 'href')).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/order:${link.paymentCode}`);

    // A split whose amounts do not add up: the workflow's refusal, next to the amounts.
    await page.getByRole('radio', { name: 'Split between them' }).check();
    await page.getByRole('textbox', { name: 'To the seller (minor units)' }).fill('7000');
    await page.getByRole('textbox', { name: 'Back to the buyer (minor units)' }).fill('4000');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expectText(page, '#resolve-sellerAmountMinor-error', /adding up to 12000/);
    await screenshot(page, 'support-split-refused');
    expect((await orderRow(h, link.paymentCode)).state).toBe('disputed');

    await page.getByRole('textbox', { name: 'Back to the buyer (minor units)' }).fill('5000');
    await page.locator('#resolve-form').getByRole('textbox', { name: 'Note', exact: true }).fill('Cracked lens confirmed from photos');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expectText(page, '[data-detail="state"]', /^completed$/);
    await screenshot(page, 'support-resolved');

    const row = await orderRow(h, link.paymentCode);
    expect(row.state).toBe('completed');
    expect(Number(row.seller_paid_minor)).toBe(7000);
    expect(Number(row.buyer_refunded_minor)).toBe(5000);
    const sellerWallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(sellerWallet.creditsPostedMinor - sellerWallet.debitsPostedMinor).toBe(7000);
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(0);

    // Clearing the buyer's phone bindings (S407), from the deal's parties: no id to type, a reason to give.
    await page.locator('#parties tr[data-role="buyer"]').getByRole('button', { name: 'Clear bindings' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page, '#action-reason-error', /.+/);
    await page
      .locator('#action-form')
      .getByRole('textbox', { name: /Reason/ })
      .fill('buyer showed ID on a call');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page, '#status', /Cleared 1 phone bindings/);
    expect(await h.knex('phone_bindings').where({ user_id: buyer.userId }).whereNull('cleared_at').count('* as n').first()).toEqual({
      n: '0',
    });
    const cleared = await h
      .knex('audit_log')
      .where({ subject: `user:${buyer.userId}`, action: 'phone_binding.cleared' })
      .first('actor', 'details');
    expect(cleared).toMatchObject({ actor: 'support:agent-amy', details: { reason: 'buyer showed ID on a call' } });

    // Sections for APIs built elsewhere are shown exactly when the API has their routes.
    const routes: Record<string, Array<[string, string]>> = {
      '#watchlist': [
        ['POST', '/api/support/watchlist'],
        ['DELETE', '/api/support/watchlist/0'],
      ],
    };
    const present: Record<string, boolean> = {};
    for (const [section, probes] of Object.entries(routes)) {
      const answers = await Promise.all(
        probes.map(async ([method, path]) => {
          const probe = await fetch(`${h.baseUrl}${path}`, { method: 'OPTIONS' });
          return probe.status !== 404 && (probe.headers.get('allow') ?? method).includes(method);
        }),
      );
      present[section] = answers.every(Boolean);
      expect(await page.isVisible(section)).toBe(present[section]);
    }

    // The watch-list: an entry added and removed again, each with its reason, both in the table.
    if (present['#watchlist']) {
      const listed = `PAGES-${link.paymentCode}`;
      const watch = page.locator('#watchlist');
      await watch.getByRole('combobox', { name: 'Kind' }).selectOption('order_number');
      await watch.getByRole('textbox', { name: 'Value', exact: true }).fill(listed);
      await page.locator('#watchlist-add-form').getByRole('textbox', { name: 'Reason', exact: true }).fill('reported by the bank');
      await page.getByRole('button', { name: 'Add to the watch-list' }).click();
      await expectText(page, '#status', /Added to the watch-list \(entry \d+\)/);
      const id = Number(/entry (\d+)/.exec((await page.textContent('#status')) ?? '')![1]);
      expect(await h.knex('watchlist_entries').where({ id }).first('key_type', 'removed_at')).toEqual({
        key_type: 'order_number',
        removed_at: null,
      });
      await page.getByRole('textbox', { name: 'Entry number', exact: true }).fill(String(id));
      // No reason: the API's refusal next to that form's reason field.
      await page.getByRole('button', { name: 'Remove from the watch-list' }).click();
      await expectText(page, '#unlist-reason-error', /.+/);
      await page.locator('#watchlist-remove-form').getByRole('textbox', { name: 'Reason', exact: true }).fill('bank withdrew the report');
      await page.getByRole('button', { name: 'Remove from the watch-list' }).click();
      await expectText(page, '#status', /Removed from the watch-list/);
      expect((await h.knex('watchlist_entries').where({ id }).first('removed_at')).removed_at).not.toBeNull();
    }
    await screenshot(page, 'support-tools');
    expect(errors).toEqual([]);
    await staffContext.close();
  });
});

/** The dispute found as an agent would: its TX code in the search box. */
async function openDispute(page: Page, paymentCode: string): Promise<void> {
  await page.getByRole('textbox', { name: /Search: TX code/ }).fill(transactionCode(paymentCode));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expectText(page, '#deal-heading', new RegExp(transactionCode(paymentCode)));
}
