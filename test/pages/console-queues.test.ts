import type { Browser, Page } from 'playwright-core';
import type { LineAdapter } from '../../src/line/adapter';
import { textEvent } from '../../src/emulators/line/webhook';
import { startInboxProcessor, storeEvents, toInboxRow, type InboxProcessor } from '../../src/line/webhook';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { bindPhone, eventually, lastMessage, uniquePhone, walletRow } from '../support/deal-steps';
import { fundWallet, verifiedParty } from '../money-out/steps';
import { collectPageErrors, describeWithChromium, desktopContext, expectText, launchBrowser, screenshot } from './browser';
import { signInToConsole } from './staff-sign-in';
import { recordReconciliation } from '../../src/ops/checks';

/**
 * Issue 11: each queue of the desktop console and the action it leads to, in real Chromium at a
 * desktop viewport - a four-eyes payout release by two agents, an abnormal phone binding
 * cleared, a wallet lockout ended, a chat event that gave up re-driven - each with a reason in
 * the audit chain.
 */
describeWithChromium('the desktop console: queues and their actions', () => {
  let h: DealHarness;
  let browser: Browser;
  let processor: InboxProcessor | undefined;
  const broken = new Set<string>();
  const handled: string[] = [];
  beforeAll(async () => {
    h = await startDealHarness({ env: { WALLET_LOCKOUT_MS: '600000' } });
    // The chat inbox, with a handler that fails for users the test breaks (as test/line-webhook/inbox-admin.test.ts).
    processor = startInboxProcessor({
      knex: h.knex,
      line: {} as LineAdapter,
      temporal: {} as never,
      chat: {} as never,
      settings: {} as never,
      log: () => undefined,
      options: { concurrency: 2, pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 2 },
      handle: async (_ctx, e) => {
        if (broken.has(e.laneId)) throw new Error('no handler for this postback shape');
        handled.push(e.webhookEventId);
        return 'done';
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await processor?.stop();
    await h?.close();
  });

  async function openQueue(page: Page, tab: string, filter: string): Promise<void> {
    await page.getByRole('tab', { name: tab }).click();
    await page.getByRole('textbox', { name: 'Filter (text)' }).fill(filter);
    await expectText(page, '#queue-page', /Page 1 of 1 \(1 rows\)/);
  }
  async function act(page: Page, rowText: string, button: string, reason: string): Promise<void> {
    await page.locator('#queue-table tbody tr', { hasText: rowText }).getByRole('button', { name: button }).click();
    await page
      .locator('#action-form')
      .getByRole('textbox', { name: /Reason/ })
      .fill(reason);
    await page.locator('#action-form').getByRole('button', { name: 'Confirm' }).click();
  }
  const audit = (subject: string) => h.knex('audit_log').where({ subject }).orderBy('seq').select('actor', 'action', 'details');

  it('four eyes: Amy approves a watch-listed payout, may not approve twice, Ben releases it', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 30_000);
    const listed = await h.call(
      'POST',
      '/api/support/watchlist',
      undefined,
      { keyType: 'line_user_id', value: party.userId, reason: 'reported by the bank' },
      h.staff.headers.agent,
    );
    expect(listed.status).toBe(201);
    const requested = await h.call(
      'POST',
      '/api/payouts',
      party.token,
      { amountMinor: 25_000, currency: 'TWD' },
      { 'idempotency-key': `console-${party.userId}` },
    );
    const { payoutId } = requested.body as { payoutId: string };
    const state = async () => (await h.knex('payouts').where({ payout_id: payoutId }).first('state'))?.state;
    await eventually(async () => (await state()) === 'held');

    const context = await desktopContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    await signInToConsole(page, 'agent');
    await openQueue(page, 'Held payouts', payoutId);
    // Sorting: the amount column's header sorts the table and says so.
    await page.locator('#queue-table thead').getByRole('button', { name: 'Amount' }).click();
    await page.waitForSelector('#queue-table th[aria-sort="ascending"]');
    await expectText(page, '#queue-table tbody', /watch_list/);
    await screenshot(page, 'console-payouts-queue');

    await act(page, payoutId, 'Approve release', 'account owner confirmed by phone');
    await expectText(page, '#status', /Approval recorded: awaiting a second agent/);
    await expectText(page, '#queue-table tbody', /agent-amy/);
    // The same agent again: the workflow's refusal, next to the reason.
    await act(page, payoutId, 'Approve release', 'again');
    await expectText(page, '#action-reason-error', /already approved.*different agent/);
    await screenshot(page, 'console-payout-same-approver');
    expect(await state()).toBe('held');
    await page.locator('#action-form').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signInToConsole(page, 'secondAgent');
    await openQueue(page, 'Held payouts', payoutId);
    await act(page, payoutId, 'Approve release', 'second look: documents match');
    await expectText(page, '#status', /Approval recorded: released, being paid out/);
    await eventually(async () => (await state()) === 'paid');
    await screenshot(page, 'console-payout-released');
    const entries = await audit(`payout:${payoutId}`);
    expect(entries.map((a) => [a.actor, a.action])).toEqual([
      ['system:payout', 'payout.held'],
      ['support:agent-amy', 'payout.release_approved'],
      ['support:agent-ben', 'payout.released'],
      ['system:payout', 'payout.paid'],
    ]);
    expect(entries[1].details).toMatchObject({ note: 'account owner confirmed by phone' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an abnormal binding cleared, a lockout ended, and a chat event that gave up re-driven, each with a reason', async () => {
    // Two phones within the binding period: abnormal (S406).
    const twoPhones = await h.newUser();
    await bindPhone(h, twoPhones, uniquePhone());
    await bindPhone(h, twoPhones, uniquePhone());
    // Three wrong wallet codes: locked for ten minutes (S309).
    const locked = await h.newUser();
    await h.call('POST', '/api/wallet/activation', locked.token);
    await eventually(async () => lastMessage(h, locked.userId, 'wallet_activation_request') !== undefined);
    const right = lastMessage(h, locked.userId, 'wallet_activation_request').verificationCode as string;
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await h.call('POST', '/api/wallet/verification', locked.token, { code: wrong });
    expect((await walletRow(h, locked.userId)).state).toBe('locked');
    // A chat event whose handling fails for good: set aside as gave_up.
    const chatty = await h.newUser();
    broken.add(chatty.userId);
    const parsed = toInboxRow(textEvent(chatty.userId, 'hello'));
    if (!parsed.ok) throw new Error(parsed.reason);
    await storeEvents(h.knex, [parsed.row]);
    const eventId = parsed.row.webhook_event_id;
    await eventually(async () => (await h.knex('line_inbox').where({ webhook_event_id: eventId }).first()).outcome === 'gave_up');

    const context = await desktopContext(browser);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    await signInToConsole(page, 'agent');

    await openQueue(page, 'Abnormal phone bindings', twoPhones.userId);
    await expectText(page, '#queue-table tbody', /\*\*\*.*,/);
    await screenshot(page, 'console-bindings-queue');
    await act(page, twoPhones.userId.slice(0, 5), 'Clear bindings', 'met the buyer; both numbers are theirs');
    await expectText(page, '#status', /Cleared 2 phone bindings/);
    await expectText(page, '#queue-empty', /Nothing in this queue/);
    expect((await audit(`user:${twoPhones.userId}`)).find((a) => a.action === 'phone_binding.cleared')?.details).toMatchObject({
      count: 2,
      reason: 'met the buyer; both numbers are theirs',
    });

    await openQueue(page, 'Wallet lockouts', locked.userId);
    await screenshot(page, 'console-lockouts-queue');
    await act(page, locked.userId.slice(0, 5), 'Unlock wallet', 'identity checked at the counter');
    await expectText(page, '#status', /Unlocked; the wallet is now awaiting_verification/);
    expect((await walletRow(h, locked.userId)).state).not.toBe('locked');
    expect((await audit(`user:${locked.userId}`)).find((a) => a.action === 'wallet.unlocked')?.details).toMatchObject({
      reason: 'identity checked at the counter',
    });

    await openQueue(page, 'Chat events that gave up', chatty.userId);
    await expectText(page, '#queue-table tbody', /no handler for this postback shape/);
    await screenshot(page, 'console-line-events-queue');
    broken.delete(chatty.userId);
    await act(page, eventId, 'Re-drive', 'handler fixed in release 42');
    await expectText(page, '#status', /Put back for processing/);
    await eventually(async () => handled.includes(eventId));
    expect((await audit(`line-event:${eventId}`))[0]).toMatchObject({
      actor: 'support:agent-amy',
      action: 'line_inbox.redriven',
      details: { reason: 'handler fixed in release 42' },
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a reconciliation difference is a banner on the console until a later run finds it gone', async () => {
    // Other suites share this database (and their scheduled runs may have found differences): a run
    // covering everything so far that finds nothing closes those first, as a later nightly run would.
    for (const source of ['payments', 'payouts'] as const)
      await recordReconciliation(h.knex, source, { from: new Date(0), to: new Date() }, []);
    const range = { from: new Date(Date.now() - 60_000), to: new Date() };
    const reference = `banner-test-${Date.now()}`;
    // What the scheduled run records when the provider's statement has a charge our ledger lacks.
    await recordReconciliation(h.knex, 'payments', range, [
      {
        kind: 'missing_in_ledger',
        reference,
        at: new Date().toISOString(),
        description: `charge ${reference} is not in the ledger`,
        details: {},
      },
    ]);
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/pages/support?lang=en`);
    await signInToConsole(page, 'agent');
    await expectText(page, '#ops-banner', new RegExp(`Reconciliation found .*${reference}`));
    await screenshot(page, 'console-ops-banner');

    await recordReconciliation(h.knex, 'payments', { from: range.from, to: new Date() }, []);
    await page.reload();
    await page.waitForSelector('#whoami:not(:empty)');
    // Ours is gone from the banner (hidden, unless something else in this shared database needs a look).
    await page.waitForFunction((ref) => {
      const banner = document.querySelector<HTMLElement>('#ops-banner');
      return banner !== null && (banner.hidden || !(banner.textContent ?? '').includes(ref));
    }, reference);
    await context.close();
  });
});
