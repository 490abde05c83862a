import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  createLink,
  eventually,
  lastMessage,
  orderState,
  payThroughOtp,
  readyBuyer,
  type Link,
  type Party,
} from '../support/deal-steps';

/**
 * S203 "transaction info (… chat screenshot)": GET /api/orders/:code/transcript, on the real
 * Temporal and PostgreSQL. A deal runs to escrow; a second would-be buyer is refused on the code
 * (the seller is told their name: a third party's data); LINE forgets the buyer's id while they
 * open a dispute (their copy is undeliverable). Then each party reads the transcript.
 */
describe('the deal transcript for its parties', () => {
  let h: DealHarness;
  let seller: Party;
  let buyer: Party;
  let intruder: Party;
  let link: Link;
  let otp: string;

  const transcript = (party: Party | undefined, query = '') =>
    h.call('GET', `/api/orders/${link.paymentCode}/transcript${query}`, party?.token);
  const deliveries = async (kind: string) =>
    h.knex('chat_deliveries').where('retry_key', 'like', `order:${link.paymentCode}:%`).andWhere({ kind }).select('to_user_id', 'status');

  beforeAll(async () => {
    h = await startDealHarness();
    seller = await h.newUser();
    await activateWallet(h, seller);
    link = await createLink(h, seller, { name: 'Film camera', unitPriceMinor: 4200, quantity: 2, description: 'Shutter serviced' });
    buyer = await readyBuyer(h);
    const first = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(first.body.outcome).toBe('payment_info');

    // S106: someone else types the password once the code is the buyer's; the seller hears their name.
    intruder = await h.newUser();
    await h.knex('users').insert({ user_id: intruder.userId, display_name: 'Intruder Ida' }).onConflict('user_id').merge(['display_name']);
    h.line.state.getUser(intruder.userId)!.displayName = 'Intruder Ida';
    const refused = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, intruder.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(refused.body.outcome).toBe('attribution_error');
    await eventually(async () => (await deliveries('attribution_error')).length === 1);

    await payThroughOtp(h, buyer, link);
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
    otp = lastMessage(h, buyer.userId, 'otp').otp;
    await eventually(async () => (await deliveries('stage_one')).length === 2);

    // While LINE does not know the buyer's id (an account deleted and restored), the buyer
    // disputes: LINE refuses their copy of the notice (undeliverable), the seller's arrives.
    const buyerInLine = h.line.state.getUser(buyer.userId)!;
    h.line.state.forgetUser(buyer.userId);
    const disputed = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, {
      decision: 'dispute',
      reason: 'The lens is scratched',
    });
    expect(disputed.status).toBe(200);
    await eventually(async () => (await deliveries('dispute_opened')).length === 2);
    expect((await deliveries('dispute_opened')).find((d) => d.to_user_id === buyer.userId)?.status).toBe('undeliverable');
    h.line.state.addUser(buyerInLine);

    // The seller reads our messages in English; the buyer keeps the default (zh-TW).
    await h.knex('users').where({ user_id: seller.userId }).update({ language: 'en' });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it("the buyer reads every message to both parties in order, in the buyer's language, without codes or anyone's LINE id", async () => {
    const res = await transcript(buyer);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      paymentCode: link.paymentCode,
      transactionCode: link.transactionCode,
      viewer: 'buyer',
      language: 'zh-TW',
    });
    const messages: Array<Record<string, any>> = res.body.messages;
    const summary = messages.map((m) => `${m.kind}→${m.to}${m.you ? '(you)' : ''}`);
    // Their own payment info, both stage-one cards, the seller's dispute notice; never the
    // seller's note about the intruder, never the intruder's own answer, never the copy LINE refused.
    expect(summary).toEqual(
      expect.arrayContaining(['payment_info→buyer(you)', 'stage_one→buyer(you)', 'stage_one→seller', 'dispute_opened→seller']),
    );
    expect(summary).not.toContain('dispute_opened→buyer(you)');
    expect(messages.map((m) => m.kind)).not.toContain('attribution_error');
    expect(messages.map((m) => m.kind)).not.toContain('code_already_attributed');
    expect(messages.map((m) => m.sentAt)).toEqual([...messages.map((m) => m.sentAt)].sort());
    expect(summary.indexOf('payment_info→buyer(you)')).toBeLessThan(summary.indexOf('stage_one→buyer(you)'));

    const stageOne = messages.find((m) => m.kind === 'stage_one' && m.you);
    expect(stageOne?.altText).toMatch(/^款項已進入履約保證/);
    expect(stageOne?.lines).toEqual(
      expect.arrayContaining([expect.stringContaining('Film camera'), expect.stringContaining('Shutter serviced')]),
    );
    // The QR code, as a path on our own origin (the page's CSP loads nothing else); the buttons as their labels.
    expect(stageOne?.images).toEqual([`/media/qr/${link.transactionCode}.png`]);
    expect(stageOne?.buttons).toEqual(expect.arrayContaining(['同意撥款', '提出異議']));
    // The seller's card as the seller saw it: no Agree on it.
    expect(messages.find((m) => m.kind === 'stage_one' && !m.you)?.buttons).not.toContain('同意撥款');

    const text = JSON.stringify(res.body);
    expect(text).not.toContain(seller.userId);
    expect(text).not.toContain(buyer.userId);
    expect(text).not.toContain(intruder.userId);
    expect(text).not.toContain('Intruder Ida');
    expect(text).not.toContain(link.dynamicPassword);
    expect(text).not.toContain(otp);
  });

  it("the seller reads it in the seller's language, without the buyer's own payment info or the intruder's name", async () => {
    const res = await transcript(seller);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ viewer: 'seller', language: 'en' });
    const messages: Array<Record<string, any>> = res.body.messages;
    const summary = messages.map((m) => `${m.kind}→${m.to}${m.you ? '(you)' : ''}`);
    expect(summary).toEqual(expect.arrayContaining(['stage_one→buyer', 'stage_one→seller(you)', 'dispute_opened→seller(you)']));
    // The ATM account the provider issued is the buyer's (as in the order view); the refused
    // copy and the note naming someone else who tried the code are in nobody's transcript.
    expect(summary).not.toContain('payment_info→buyer');
    expect(summary).not.toContain('dispute_opened→buyer');
    expect(messages.map((m) => m.kind)).not.toContain('attribution_error');
    expect(messages.find((m) => m.kind === 'stage_one' && m.you)?.altText).toMatch(/^Payment held in escrow/);
    expect(messages.find((m) => m.kind === 'dispute_opened')?.lines).toEqual(
      expect.arrayContaining([expect.stringContaining('The lens is scratched')]),
    );
    const text = JSON.stringify(res.body);
    for (const hidden of [buyer.userId, intruder.userId, seller.userId, 'Intruder Ida', link.dynamicPassword, otp])
      expect(text).not.toContain(hidden);

    // The page's language wins over the stored one.
    const zh = await transcript(seller, '?lang=zh-TW');
    expect(zh.body.language).toBe('zh-TW');
    expect(zh.body.messages.find((m: any) => m.kind === 'stage_one' && m.you)?.altText).toMatch(/^款項已進入履約保證/);
  });

  it('anyone else gets the order view’s refusal; no token, a bad code or a bad language are refused with a reason', async () => {
    const stranger = await h.newUser();
    const asStranger = await transcript(stranger);
    const orderAsStranger = await h.call('GET', `/api/orders/${link.paymentCode}`, stranger.token);
    expect(asStranger.status).toBe(404);
    expect(asStranger.headers['content-type']).toMatch(/application\/problem\+json/);
    expect([asStranger.status, asStranger.body.type]).toEqual([orderAsStranger.status, orderAsStranger.body.type]);
    // The refused would-be buyer is no party either.
    expect((await transcript(intruder)).status).toBe(404);

    const anonymous = await transcript(undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);

    const badCode = await h.call('GET', '/api/orders/not-a-code/transcript', buyer.token);
    expect(badCode.status).toBe(404);
    const badLang = await transcript(buyer, '?lang=fr');
    expect(badLang.status).toBe(422);
    expect(badLang.body.detail).toMatch(/lang/);
  });
});
