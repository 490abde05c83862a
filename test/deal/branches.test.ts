import { escrowAccountId, walletActivationWorkflowId } from '../../src/domain/ids';
import { addEntry } from '../../src/watchlist';
import { recordHistory } from '../support/histories';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  bindPhone,
  createLink,
  eventually,
  lastMessage,
  payThroughOtp,
  payByCard,
  CARDS,
  transferToVirtualAccount,
  readyBuyer as readyBuyerOf,
  type Link,
  type Party,
  orderRow,
  walletRow,
} from '../support/deal-steps';

/** Every branch of S101–S118 and S401–S407, each asserting the answer, the messages and the state. */
describe('deal branches', () => {
  let h: DealHarness;
  let seller: Party;
  beforeAll(async () => {
    h = await startDealHarness();
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const newLink = (product: Record<string, unknown> = {}) =>
    createLink(h, seller, { name: 'Vintage camera', unitPriceMinor: 1200, quantity: 1, ...product });
  const request = (buyer: Party, link: Link, password = link.dynamicPassword) =>
    h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, { dynamicPassword: password });
  const readyBuyer = () => readyBuyerOf(h);
  const orderState = async (link: Link) => (await orderRow(h, link.paymentCode)).state;

  it('S109/S110: a caller without a LINE login gets a login request', async () => {
    const link = await newLink();
    const res = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, undefined, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(res.status).toBe(401);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.loginUrl).toContain('/auth/line/login?next=');
    const login = await fetch(res.body.loginUrl, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toContain(`${h.line.baseUrl}/oauth2/v2.1/authorize`);
    expect(login.headers.get('location')).toContain('bot_prompt=aggressive');
  });

  it('claim 15: a wrong dynamic password is refused, counted, and locked after the limit', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    const first = await request(buyer, link, 'WRONGPW1');
    expect(first.body).toEqual({ outcome: 'wrong_password', attemptsLeft: 4 });
    for (let i = 0; i < 4; i += 1) await request(buyer, link, 'WRONGPW1');
    const locked = await request(buyer, link);
    expect(locked.status).toBe(423);
    expect(locked.body.type).toContain('password-locked');
    expect(await orderState(link)).toBe('awaiting_buyer');
  });

  it('S102/S103: a buyer who is not a friend of the official account gets a bind request', async () => {
    const link = await newLink();
    const stranger = await h.newUser({ friend: false });
    const res = await request(stranger, link);
    expect(res.body).toEqual({ outcome: 'bind_required' });
    expect(h.chat.kindsTo(stranger.userId)).toEqual(['bind_request']);
  });

  it('S401–S403: a watch-listed buyer is blocked and gets no payment info', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    await addEntry(h.knex, {
      hashSecret: h.settings.secrets.hashSecret,
      keyType: 'line_user_id',
      value: buyer.userId,
      reason: 'police fraud report',
      actor: 'test',
      source: 'fraud_reports',
    });
    const res = await request(buyer, link);
    expect(res.body).toEqual({ outcome: 'blocked' });
    expect(h.chat.kindsTo(buyer.userId)).toContain('watchlist_blocked');
    expect(h.chat.kindsTo(buyer.userId)).not.toContain('payment_info');
    const again = await request(buyer, link);
    expect(again.status).toBe(403);
  });

  it('S104–S107: the code is attributed to one buyer; another buyer is refused and the seller told', async () => {
    const link = await newLink();
    const first = await readyBuyer();
    const second = await readyBuyer();
    expect((await request(first, link)).body.outcome).toBe('payment_info');
    const refused = await request(second, link);
    expect(refused.body).toEqual({ outcome: 'attribution_error' });
    expect(h.chat.kindsTo(second.userId)).toContain('code_already_attributed');
    const sellerError = h.chat
      .messagesTo(seller.userId)
      .find((m) => m.kind === 'attribution_error' && m.transactionCode === link.transactionCode);
    // Finding 12: the seller learns who tried by the name LINE shows, never by their LINE user id.
    expect(sellerError).toMatchObject({ attemptedByName: h.line.state.getUser(second.userId)!.displayName });
    expect(JSON.stringify(h.line.state.messagesTo(seller.userId))).not.toContain(second.userId);
    expect((await request(first, link)).body.outcome).toBe('payment_info'); // the holder simply continues
    const row = await orderRow(h, link.paymentCode);
    expect(row.buyer_id).toBe(first.userId);
  });

  it('S104–S106 before S501: an intruder on an attributed code gets the attribution error, whatever their wallet, and the seller is told', async () => {
    const link = await newLink();
    const holder = await readyBuyer();
    expect((await request(holder, link)).body.outcome).toBe('payment_info');
    const intruder = await h.newUser(); // no wallet, no phone
    const refused = await request(intruder, link);
    expect(refused.body).toEqual({ outcome: 'attribution_error' });
    expect(h.chat.kindsTo(intruder.userId)).toContain('code_already_attributed');
    expect(h.chat.kindsTo(intruder.userId)).not.toContain('wallet_activation_request');
    await eventually(async () =>
      h.chat
        .messagesTo(seller.userId)
        .some(
          (m) =>
            m.kind === 'attribution_error' &&
            m.transactionCode === link.transactionCode &&
            m.attemptedByName === h.line.state.getUser(intruder.userId)!.displayName,
        ),
    );
  });

  it('S104–S107 under load: 20 buyers asking at once → exactly one attributed', async () => {
    const link = await newLink();
    const buyers = await Promise.all(Array.from({ length: 20 }, () => readyBuyer()));
    const answers = await Promise.all(buyers.map((b) => request(b, link)));
    const outcomes = answers.map((a) => a.body.outcome);
    expect(outcomes.filter((o) => o === 'payment_info')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'attribution_error')).toHaveLength(19);
    const winner = buyers[outcomes.indexOf('payment_info')];
    expect((await orderRow(h, link.paymentCode)).buyer_id).toBe(winner.userId);
    await h.call('POST', `/api/orders/${link.paymentCode}/cancel`, seller.token);
    await h.client.workflow.getHandle(`order:${link.paymentCode}`).result();
    await recordHistory(h, `order:${link.paymentCode}`, 'attribution-error');
  });

  it('S501–S504: a buyer without an enabled e-wallet gets the activation request first', async () => {
    const link = await newLink();
    const buyer = await h.newUser();
    const res = await request(buyer, link);
    expect(res.body).toEqual({ outcome: 'wallet_activation_required' });
    await eventually(async () => h.chat.kindsTo(buyer.userId).includes('wallet_activation_request'));
    expect((await orderRow(h, link.paymentCode)).buyer_id).toBeNull();
  });

  it('S404–S407: no phone → bind request; two phones or a virtual number → abnormal until support clears it', async () => {
    const link = await newLink();
    const buyer = await h.newUser();
    await activateWallet(h, buyer);
    expect((await request(buyer, link)).body).toEqual({ outcome: 'phone_binding_required' });
    expect(h.chat.kindsTo(buyer.userId)).toEqual(expect.arrayContaining(['pending_payment_info', 'phone_binding_request']));
    await bindPhone(h, buyer, '0912-000-111');
    await bindPhone(h, buyer, '0912-000-222');
    expect((await request(buyer, link)).body).toEqual({ outcome: 'abnormal_binding', reason: 'multiple_phones' });
    const cleared = await h.call('POST', `/api/support/users/${buyer.userId}/phone-bindings/clear`, h.staff.tokens.agent);
    expect(cleared.body.cleared).toBe(2);
    expect((await request(buyer, link)).body.outcome).toBe('payment_info');

    const other = await readyBuyer();
    const link2 = await newLink();
    await bindPhone(h, other, '+886 70 123 4567'); // a VoIP (070) number: virtual
    expect((await request(other, link2)).body).toEqual({ outcome: 'abnormal_binding', reason: 'virtual_number' });
  });

  it('S113–S115: a wrong OTP is refused with the reason; five wrong codes use the challenge up', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    await request(buyer, link);
    await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, { method: 'card' });
    const real = lastMessage(h, buyer.userId, 'otp').otp as string;
    const wrong = real === '000000' ? '111111' : '000000';
    const first = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: wrong });
    expect(first.body).toEqual({ outcome: 'wrong_otp', attemptsLeft: 4 });
    expect(lastMessage(h, buyer.userId, 'payment_failed').reason).toContain('wrong verification code');
    for (let i = 0; i < 3; i += 1) await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: wrong });
    const last = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: wrong });
    expect(last.body).toEqual({ outcome: 'otp_exhausted' });
    const afterwards = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: real });
    expect(afterwards.body.outcome).toBe('otp_expired'); // the used-up code no longer pays
    const resent = await h.call('POST', `/api/orders/${link.paymentCode}/otp/resend`, buyer.token);
    expect(resent.body.outcome).toBe('otp_sent');
    const fresh = lastMessage(h, buyer.userId, 'otp').otp as string;
    const verified = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: fresh });
    expect(verified.body.outcome).toBe('checkout');
    await payByCard(verified.body.checkoutUrl, CARDS.succeeds);
    await eventually(async () => (await orderState(link)) === 'escrow');
  });

  it('S115/S201: a card declined at the hosted checkout fails with the reason; a new session, and the buyer pays again', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    await payThroughOtp(h, buyer, link, CARDS.declined);
    await eventually(async () => h.chat.messagesTo(buyer.userId).some((m) => m.kind === 'payment_failed'));
    const view = async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body;
    await eventually(async () => (await view()).state === 'awaiting_payment');
    const sessions = [...h.payments.state.sessions.values()].filter((r) => r.session.reference === link.paymentCode);
    expect(sessions.map((r) => r.session.status).sort()).toEqual(['failed', 'open']);
    const open = sessions.find((r) => r.session.status === 'open')!.session;
    expect((await view()).checkout).toMatchObject({
      sessionId: open.id,
      virtualAccount: { accountNumber: open.virtualAccount!.accountNumber },
    });
    await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, { method: 'card' });
    const otp = lastMessage(h, buyer.userId, 'otp').otp;
    const verified = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp });
    expect(verified.body.checkoutUrl).toBe(open.url);
    await payByCard(verified.body.checkoutUrl, CARDS.succeeds);
    await eventually(async () => (await orderState(link)) === 'escrow');
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor).toBe(1200); // paid once, not twice
  });

  it('illegal steps are refused with a reason and leave no trace in history', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    await request(buyer, link);
    const handle = h.client.workflow.getHandle(`order:${link.paymentCode}`);
    const before = (await handle.fetchHistory()).events?.length;
    const early = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('cannot decide while the order is awaiting_payment');
    const resolve = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, h.staff.tokens.agent, {
      resolution: 'release',
      sellerAmountMinor: 1200,
      buyerAmountMinor: 0,
    });
    expect(resolve.status).toBe(409);
    const otp = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp: '123456' });
    expect(otp.status).toBe(409);
    const viewer = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, h.staff.tokens.viewer, {
      resolution: 'release',
      sellerAmountMinor: 1,
      buyerAmountMinor: 0,
    });
    expect(viewer.status).toBe(403);
    const bad = await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, {
      paymentSource: { type: 'cash', token: 'x' },
    });
    expect(bad.status).toBe(422);
    const malformed = await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, '{not json');
    expect(malformed.status).toBe(400);
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });

  it('S117/S118: the simple variant pays without attribution or OTP, in the same workflow', async () => {
    const link = await newLink({ variant: 'simple' });
    const buyer = await h.newUser(); // no wallet, no phone: the simple flow does not ask
    const res = await request(buyer, link);
    expect(res.body).toMatchObject({ outcome: 'payment_info', verification: 'none' });
    const paid = await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, { method: 'card' });
    expect(paid.body).toEqual({ outcome: 'checkout', checkoutUrl: expect.stringContaining('/checkout/cs_') });
    await payByCard(paid.body.checkoutUrl, CARDS.succeeds);
    await eventually(async () => (await orderState(link)) === 'escrow');
    expect(h.chat.kindsTo(buyer.userId)).not.toContain('otp');
  });

  it('S108/S201: a transfer of the total into the ATM account the provider issued pays the order, no card and no OTP', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    expect((await request(buyer, link)).body.outcome).toBe('payment_info');
    const account = lastMessage(h, buyer.userId, 'payment_info').virtualAccount;
    expect(account).toMatchObject({
      bankCode: expect.stringMatching(/^\d{3}$/),
      accountNumber: expect.stringMatching(/^\d{14}$/),
      amountMinor: 1200,
    });
    const sent = await transferToVirtualAccount(h, account.accountNumber, 1200);
    expect(sent.status).toBe(201);
    await eventually(async () => (await orderState(link)) === 'escrow');
    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor).toBe(1200);
    expect(h.chat.kindsTo(buyer.userId)).not.toContain('otp');
    // The account takes one transfer: a second one is refused by the provider, so nothing is paid twice.
    expect((await transferToVirtualAccount(h, account.accountNumber, 1200)).status).toBe(409);
  });

  it('a cancelled order closes its checkout at the provider: a late transfer into its ATM account is refused', async () => {
    const link = await newLink();
    const buyer = await readyBuyer();
    expect((await request(buyer, link)).body.outcome).toBe('payment_info');
    const account = lastMessage(h, buyer.userId, 'payment_info').virtualAccount;
    expect((await h.call('POST', `/api/orders/${link.paymentCode}/cancel`, seller.token)).body).toEqual({ outcome: 'cancelled' });
    await eventually(async () => (await orderState(link)) === 'cancelled');
    const late = await transferToVirtualAccount(h, account.accountNumber, 1200);
    expect(late).toMatchObject({ status: 409, body: { type: expect.stringContaining('virtual-account-expired') } });
    const session = [...h.payments.state.sessions.values()].find((r) => r.session.reference === link.paymentCode)!.session;
    expect(session.status).toBe('expired');
  });

  it('S302/S303: a seller without an enabled wallet is asked to activate it before any link', async () => {
    const newSeller = await h.newUser();
    const res = await h.call('POST', '/api/links', newSeller.token, { name: 'Lamp', unitPriceMinor: 500, quantity: 1 });
    expect(res.status).toBe(409);
    expect(res.body.activationUrl).toContain('/pages/wallet');
    await eventually(async () => h.chat.kindsTo(newSeller.userId).includes('wallet_activation_request'));
    expect(await h.knex('payment_links').where({ seller_id: newSeller.userId })).toHaveLength(0);
  });

  it('S309: wrong answers allow re-verification, then a lockout, then invalidation', async () => {
    const party = await h.newUser();
    await h.call('POST', '/api/wallet/activation', party.token);
    await eventually(async () => lastMessage(h, party.userId, 'wallet_activation_request') !== undefined);
    const code = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode as string;
    const wrong = code === '000000' ? '111111' : '000000';
    const answer = () => h.call('POST', '/api/wallet/verification', party.token, { code: wrong });
    expect((await answer()).body).toEqual({ outcome: 'wrong_code', attemptsLeft: 2 });
    expect((await answer()).body).toEqual({ outcome: 'wrong_code', attemptsLeft: 1 });
    expect((await answer()).body.outcome).toBe('locked');
    const during = await answer();
    expect(during.status).toBe(423);
    expect(during.body.type).toContain('wallet-locked');
    // The policy in the harness: 3 wrong answers a round, a 2 s lockout, invalidated at the 3rd lockout.
    const view = async () => (await h.call('GET', '/api/wallet/activation', party.token)).body;
    for (const expected of ['locked', 'invalidated']) {
      await eventually(async () => (await view()).state === 'awaiting_verification', 20_000, 200);
      await answer();
      await answer();
      expect((await answer()).body.outcome).toBe(expected);
    }
    expect((await walletRow(h, party.userId)).state).toBe('invalidated');
    expect(h.chat.kindsTo(party.userId)).toEqual(
      expect.arrayContaining(['wallet_verification_failed', 'wallet_locked', 'wallet_invalidated']),
    );
    await recordHistory(h, walletActivationWorkflowId(party.userId), 'lockouts-then-invalidated');
  });
});
