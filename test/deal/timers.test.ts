import { escrowAccountId, walletAccountId } from '../../src/domain/ids';
import { recordHistory } from '../support/histories';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  createLink,
  eventually,
  payThroughOtp,
  readyBuyer,
  transferToVirtualAccount,
  type Party,
  orderRow,
} from '../support/deal-steps';

/** The deal's clocks, at second scale against the real server: reminder, expiry, decision window. */
describe('deal timers', () => {
  let h: DealHarness;
  let seller: Party;
  beforeAll(async () => {
    h = await startDealHarness({
      env: { PAYMENT_REMINDER_MS: '1500', PAYMENT_EXPIRY_MS: '4000', DECISION_WINDOW_MS: '2500', LINK_EXPIRY_MS: '3000' },
    });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const state = async (code: string) => (await orderRow(h, code)).state;

  it('S116: payment info without payment → one reminder with the link, then the order expires', async () => {
    const link = await createLink(h, seller, { name: 'Bookshelf', unitPriceMinor: 2500, quantity: 1 });
    const buyer = await readyBuyer(h);
    await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, { dynamicPassword: link.dynamicPassword });
    await eventually(async () => h.chat.kindsTo(buyer.userId).includes('payment_reminder'), 10_000);
    const reminder = h.chat.messagesTo(buyer.userId).find((m) => m.kind === 'payment_reminder') as { paymentUrl: string };
    expect(reminder.paymentUrl).toContain(`/pages/pay/${link.paymentCode}`);
    expect(await state(link.paymentCode)).toBe('awaiting_payment');
    await eventually(async () => (await state(link.paymentCode)) === 'expired', 10_000);
    // The orders row is written before the words go out: wait for them too.
    await eventually(async () => h.chat.kindsTo(buyer.userId).includes('order_expired'), 10_000);
    expect(h.chat.kindsTo(buyer.userId).filter((k) => k === 'payment_reminder')).toHaveLength(1);
    // The order's checkout was closed at the provider: its ATM account takes nothing any more.
    const account = h.chat.messagesTo(buyer.userId).find((m) => m.kind === 'payment_info')!.virtualAccount!;
    expect((await transferToVirtualAccount(h, account.accountNumber, 2500)).status).toBe(409);
    const late = await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, {
      paymentSource: { type: 'card', token: 'tok_visa' },
    });
    expect(late.status).toBeGreaterThanOrEqual(400); // nothing can be paid on an expired order
  });

  it('S116, simple variant: the reminder goes to the buyer who got the payment info, never to the seller', async () => {
    const link = await createLink(h, seller, { name: 'Rattan chair', unitPriceMinor: 1800, quantity: 1, variant: 'simple' });
    const buyer = await h.newUser();
    const info = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(info.body.outcome).toBe('payment_info');
    await eventually(async () => h.chat.kindsTo(buyer.userId).includes('payment_reminder'), 10_000);
    const reminded = (userId: string) =>
      h.chat.messagesTo(userId).filter((m) => m.kind === 'payment_reminder' && m.transactionCode === link.transactionCode);
    expect(reminded(buyer.userId)).toHaveLength(1);
    expect(reminded(seller.userId)).toHaveLength(0);
    await eventually(async () => (await state(link.paymentCode)) === 'expired', 10_000);
  });

  it('a link nobody takes expires after LINK_EXPIRY_MS, and the seller is told in their language', async () => {
    const link = await createLink(h, seller, { name: 'Old radio', unitPriceMinor: 700, quantity: 1 });
    await eventually(async () => (await state(link.paymentCode)) === 'expired', 10_000);
    await eventually(async () =>
      h.chat.messagesTo(seller.userId).some((m) => m.kind === 'link_expired' && m.transactionCode === link.transactionCode),
    );
    const told = h.line.state.messagesTo(seller.userId).map((m) => JSON.stringify(m.message));
    expect(told.some((text) => text.includes('付款連結已過期') && text.includes(link.transactionCode))).toBe(true);
    // Nobody can take it any more.
    const buyer = await readyBuyer(h);
    const late = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(late.status).toBeGreaterThanOrEqual(400);
    await recordHistory(h, `order:${link.paymentCode}`, 'link-expired');
  });

  it('S206: silence through the decision window is agreement; the seller is paid', async () => {
    const link = await createLink(h, seller, { name: 'Desk lamp', unitPriceMinor: 900, quantity: 3 });
    const buyer = await readyBuyer(h);
    await payThroughOtp(h, buyer, link);
    await eventually(async () => (await state(link.paymentCode)) === 'escrow', 10_000);
    const view = (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body;
    expect(view.decisionDeadlineMs).toBeGreaterThan(Date.now() - 1000);
    await eventually(async () => (await state(link.paymentCode)) === 'completed', 15_000);
    const finalView = (await h.client.workflow.getHandle(`order:${link.paymentCode}`).result()) as {
      silentAgreement: boolean;
      sellerPaidMinor: number;
    };
    expect(finalView).toMatchObject({ silentAgreement: true, sellerPaidMinor: 2700 });
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(0);
    const late = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'too late' });
    expect(late.status).toBeGreaterThanOrEqual(400);
    const wallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(wallet.creditsPostedMinor).toBeGreaterThanOrEqual(2700);
    await recordHistory(h, `order:${link.paymentCode}`, 'silent-release');
  });
});
