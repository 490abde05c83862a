import type { Browser } from 'playwright-core';
import { escrowAccountId, orderWorkflowId, walletAccountId } from '../../src/domain/ids';
import { orderViewQuery } from '../../workflows/order-messages';
import { STRINGS } from '../../src/line/render';
import { DISPUTE_STRINGS } from '../../src/line/render/dispute-strings';
import { solidPng } from '../console/png';
import { seenBy } from '../line-webhook/chat-view';
import { dealInEscrow } from '../line-webhook/escrow-deal';
import { startLineDealHarness, type LineDealHarness } from '../line-webhook/harness';
import { eventually, orderRow } from '../support/deal-steps';
import {
  collectPageErrors,
  describeWithChromium,
  desktopContext,
  expectImageLoaded,
  expectText,
  launchBrowser,
  screenshot,
  screenshotOf,
  unlabelledControls,
} from './browser';
import { signInToConsole } from './staff-sign-in';

const zh = STRINGS['zh-TW'];
const words = DISPUTE_STRINGS['zh-TW'];

/**
 * Issue 11, done when: a dispute found in the desktop console by its TX code, the evidence both
 * parties sent in LINE viewed, the seller messaged and asked for their side, and a split with a
 * note that both parties receive in LINE. Real Chromium, the real api, worker, Temporal and the
 * LINE emulator (webhooks in, pushes out, photos through its content endpoint).
 */
describeWithChromium('the desktop console: a dispute from the chat to a split with a note', () => {
  let h: LineDealHarness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startLineDealHarness();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const sendPhoto = async (userId: string, rgb: [number, number, number]) => {
    const res = await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'image', userId, contentType: 'image/png', contentBase64: solidPng(160, 120, rgb).toString('base64') }),
    });
    expect(res.status).toBe(200);
  };
  const lineSaw = (userId: string, ...parts: string[]) =>
    h.line.state.messagesTo(userId).some((m) => parts.every((p) => JSON.stringify(m.message).includes(p)));

  it('finds the dispute by TX code, shows evidence and messages, messages the seller, and splits with a note both read in LINE', async () => {
    const { buyer, seller, link, buttons } = await dealInEscrow(h, { name: 'Film camera', unitPriceMinor: 9000 });
    await h.tap(buyer.userId, buttons.dispute);
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text.includes(zh.title.evidence_request)));
    await h.say(buyer.userId, words.reasons[1]);
    await sendPhoto(buyer.userId, [190, 30, 30]);
    await eventually(async () => (await h.knex('dispute_evidence').where({ payment_code: link.paymentCode })).length === 2);

    const context = await desktopContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    await signInToConsole(page, 'agent');
    expect(await unlabelledControls(page)).toEqual([]);

    // The disputes queue: a table with age, deadline and evidence count, filtered to this deal's code.
    await page.locator('#queue-table tbody tr').first().waitFor();
    await page.getByRole('textbox', { name: 'Filter (text)' }).fill(link.transactionCode);
    const row = page.locator('#queue-table tbody tr', { hasText: link.transactionCode });
    await row.waitFor();
    await expectText(page, '#queue-page', /Page 1 of 1 \(1 rows\)/);
    expect(await row.locator('td').nth(8).textContent()).toBe('2');
    expect(await row.locator('td').nth(5).textContent()).toBe(`“${words.reasons[1]}”`);
    await screenshot(page, 'console-disputes-queue');

    // Found by the TX code the buyer quotes: the deal's page opens.
    await page.getByRole('textbox', { name: /Search: TX code/ }).fill(link.transactionCode);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expectText(page, '#deal-heading', new RegExp(`${link.transactionCode} · Film camera`));
    await expectText(page, '#search-matched', /TX code/);
    await expectText(page, '[data-detail="state"]', /^disputed$/);
    expect(await page.getAttribute('#temporal-link', 'href')).toBe(
      `${h.settings.temporalUiUrl}/namespaces/default/workflows/order:${link.paymentCode}`,
    );

    // Evidence: the buyer's words and their photo, fetched through the api with the session.
    await expectText(page, '#evidence blockquote', new RegExp(words.reasons[1]));
    await expectImageLoaded(page, '#evidence img');
    expect(await page.getAttribute('#evidence img', 'alt')).toMatch(/Photo from the buyer/);
    // Messages as each party saw them: the evidence request with its quick replies, in the buyer's language.
    const ask = page.locator('.bubble[data-kind="evidence_request"]');
    await expect(ask.locator('.chip.quick')).toBeTruthy();
    expect(await ask.locator('.chip.quick').allTextContents()).toEqual(words.reasons);
    expect(await page.locator('.bubble[data-kind="stage_one"][data-role="seller"]').count()).toBe(1);
    // The ledger: stage one into this deal's escrow.
    await expectText(page, '#ledger tbody', new RegExp(escrowAccountId(link.paymentCode)));
    await expectText(page, '#timeline tbody', /disputed/);
    await page.locator('#evidence').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-deal-evidence');

    // Message the seller through LINE, and ask for their side: each needs a reason.
    const message = page.locator('#message-form');
    await page.locator('#parties tr[data-role="seller"]').getByRole('button', { name: 'Message' }).click();
    await message
      .getByRole('textbox', { name: 'Message', exact: true })
      .fill('The buyer sent photos of a cracked lens. Did it ship in one piece?');
    await message.getByRole('button', { name: 'Send through LINE' }).click();
    await expectText(page, '#message-reason-error', /.+/);
    await message.getByRole('textbox', { name: /Reason/ }).fill('hear the seller before deciding');
    await message.getByRole('button', { name: 'Send through LINE' }).click();
    await expectText(page, '#status', /Sent to the seller through LINE/);
    await eventually(async () => lineSaw(seller.userId, zh.title.support_message, 'cracked lens'));

    const askForm = page.locator('#ask-form');
    await page.locator('#parties tr[data-role="seller"]').getByRole('button', { name: 'Ask for evidence' }).click();
    await askForm.getByRole('textbox', { name: 'What to send' }).fill('A photo of the parcel before shipping');
    await askForm.getByRole('textbox', { name: /Reason/ }).fill('both sides before a split');
    await askForm.getByRole('button', { name: 'Ask through LINE' }).click();
    await expectText(page, '#status', /Asked the seller/);
    await eventually(async () => lineSaw(seller.userId, zh.title.evidence_request, 'A photo of the parcel'));
    await sendPhoto(seller.userId, [30, 90, 190]);
    await h.say(seller.userId, 'Packed in bubble wrap, lens was fine');
    await eventually(async () => (await h.knex('dispute_evidence').where({ payment_code: link.paymentCode, role: 'seller' })).length === 2);
    await page.getByRole('button', { name: 'Search', exact: true }).click(); // the deal again, with the seller's side
    await expectText(page, '#evidence', /Photo from the seller/);
    expect(await page.locator('#evidence img').count()).toBe(2);
    await expectImageLoaded(page, '#evidence figure[data-role="seller"] img');
    await page.locator('#evidence').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-deal-both-sides');
    await screenshotOf(page.locator('#evidence'), 'console-evidence-both-parties');

    // More time before the dispute escalates, with a reason: the workflow moves its timer.
    const deadline = page.locator('#deadline-form');
    await deadline.getByRole('combobox', { name: 'Extend by (hours)' }).selectOption('48');
    await deadline.getByRole('textbox', { name: /Reason/ }).fill('waiting for the courier report');
    await deadline.getByRole('button', { name: 'Extend the deadline' }).click();
    await expectText(page, '#status', /Extended; the dispute now escalates/);
    const { dispute } = await h.client.workflow.getHandle(orderWorkflowId(link.paymentCode)).query(orderViewQuery);
    expect(dispute!.deadlineMs! - dispute!.openedAtMs).toBe(h.settings.durations.disputeEscalationMs + 48 * 3_600_000);
    const moved = await h.knex('orders').where({ payment_code: link.paymentCode }).first('dispute_deadline_at');
    expect(moved?.dispute_deadline_at?.getTime()).toBe(dispute!.deadlineMs);
    await screenshot(page, 'console-deadline-extended');

    // A split with a note both parties read in LINE.
    const resolve = page.locator('#resolve-form');
    await resolve.getByRole('radio', { name: 'Split between them' }).check();
    await resolve.getByRole('textbox', { name: 'To the seller (minor units)' }).fill('3600');
    await resolve.getByRole('textbox', { name: 'Back to the buyer (minor units)' }).fill('5400');
    const note = 'Lens cracked in transit; 60 % back to the buyer';
    await resolve.getByRole('textbox', { name: 'Note', exact: true }).fill(note);
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await expectText(page, '[data-detail="state"]', /^completed$/);
    for (const party of [buyer, seller]) await eventually(async () => lineSaw(party.userId, zh.title.transaction_result, note));
    await expectText(page, '#messages', new RegExp(note.slice(0, 20)));
    await page.locator('#messages').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-deal-split');
    await screenshotOf(page.locator('#messages'), 'console-messages-as-seen');

    const row2 = await orderRow(h, link.paymentCode);
    expect([Number(row2.seller_paid_minor), Number(row2.buyer_refunded_minor)]).toEqual([3600, 5400]);
    const wallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(wallet.creditsPostedMinor - wallet.debitsPostedMinor).toBe(3600);
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(0);
    // Every action in the audit chain with its reason; every view of the deal too.
    const audit = await h
      .knex('audit_log')
      .where({ subject: `order:${link.paymentCode}` })
      .select('actor', 'action', 'details');
    expect(audit.filter((a) => a.action === 'support.party_messaged')[0].details).toMatchObject({
      reason: 'hear the seller before deciding',
    });
    expect(audit.filter((a) => a.action === 'support.evidence_requested')[0].details).toMatchObject({
      reason: 'both sides before a split',
    });
    expect(audit.some((a) => a.action === 'support.dispute_resolved' && a.details.note === note)).toBe(true);
    const views = audit.filter((a) => a.action === 'support.viewed' && a.actor === 'support:agent-amy');
    expect(views.filter((v) => Array.isArray(v.details.parts)).length).toBeGreaterThan(1);
    const photos = (await h.knex('dispute_evidence').where({ payment_code: link.paymentCode, kind: 'image' })).map((e) => Number(e.id));
    expect(views.filter((v) => v.details.evidence !== undefined).map((v) => v.details.evidence)).toEqual(expect.arrayContaining(photos));
    expect(errors).toEqual([]);
    await context.close();
  });
});
