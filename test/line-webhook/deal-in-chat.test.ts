import { encodePostback, STRINGS } from '../../src/line/render';
import { reasonText } from '../../src/deal/reasons';
import { activateWallet, bindPhone, eventually, lastMessage, payThroughOtp, orderRow } from '../support/deal-steps';
import { postbackData, seenBy } from './chat-view';
import { startLineDealHarness, type LineDealHarness } from './harness';
import { CHAT_TEXTS } from '../../src/line/webhook/texts';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';

const zh = STRINGS['zh-TW'];

describe('a whole deal driven from the chat: signed webhooks in, LINE messages out', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('seller sells by text, buyer pays, buyer agrees by postback; each party sees its messages in LINE', async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();

    // S301 from the chat: the sale waits for its currency (a quick reply).
    await h.say(seller.userId, '賣 1,200 2 二手相機');
    const twd = () =>
      seenBy(h.line, seller.userId)
        .flatMap((m) => m.actions)
        .find((a) => a.label === MENU_TEXTS['zh-TW'].currencyLabel.TWD)?.data;
    await eventually(async () => twd() !== undefined);
    await h.tap(seller.userId, twd()!);
    // S302/S303: a seller without a wallet is asked to enable it first, in the chat; the sale waits.
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text === MENU_TEXTS['zh-TW'].saleWaitsForWallet));
    await activateWallet(h, buyer);
    await bindPhone(h, buyer);

    // S304–S306: once the wallet is active the link card arrives in the seller's LINE, without typing sell again.
    await activateWallet(h, seller);
    await eventually(async () => lastMessage(h, seller.userId, 'link_created') !== undefined);
    const created = lastMessage(h, seller.userId, 'link_created');
    expect(created.product).toMatchObject({ productName: '二手相機', unitPriceMinor: 1200, quantity: 2, totalMinor: 2400 });
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text.includes(zh.title.link_created)));
    const paymentCode = String(created.paymentUrl).split('/').pop()!;
    const link = { paymentCode, dynamicPassword: created.dynamicPassword, transactionCode: created.product.transactionCode };

    await payThroughOtp(h, buyer, link);
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text.includes(zh.title.stage_one)));
    const agree = postbackData(seenBy(h.line, buyer.userId), 'agree');
    expect(agree).toBe(`action=agree&order=${link.transactionCode}`);

    // A step the deal refuses is explained in the buyer's language, from the workflow's reason code
    // (it was "cannot resend the OTP while the order is escrow" inside a zh-TW chat).
    await h.tap(buyer.userId, encodePostback({ action: 'resend_otp', transactionCode: link.transactionCode }));
    const refusal = `${CHAT_TEXTS['zh-TW'].refused(reasonText({ code: 'illegal_step', action: 'resend_otp', state: 'escrow' }, 'zh-TW'))}`;
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text === refusal));
    expect(refusal).toBe('無法執行:此交易目前「款項保管中」,無法重新傳送驗證碼。');
    expect(seenBy(h.line, buyer.userId).some((m) => /cannot|while the order/.test(m.text))).toBe(false);

    // Only the buyer decides: the seller tapping the same button is told so, and nothing moves.
    await h.tap(seller.userId, agree!);
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text === CHAT_TEXTS['zh-TW'].notYourOrder));
    expect((await orderRow(h, paymentCode)).state).toBe('escrow');

    // The seller's stage-one card has no Agree/Dispute; the buyer's has them and "extend".
    const sellerCard = seenBy(h.line, seller.userId).find((m) => m.text.includes(zh.title.stage_one))!;
    expect(sellerCard.actions.filter((a) => a.type === 'postback')).toEqual([]);

    // One extension of the decision window, asked from the chat; a second one is refused, in zh-TW.
    const before = Number((await h.call('GET', `/api/orders/${paymentCode}`, buyer.token)).body.decisionDeadlineMs);
    const extend = postbackData(seenBy(h.line, buyer.userId), 'extend');
    expect(extend).toBe(`action=extend&order=${link.transactionCode}`);
    await h.tap(buyer.userId, extend!);
    for (const party of [buyer, seller]) {
      await eventually(async () => seenBy(h.line, party.userId).some((m) => m.text.includes(zh.title.decision_extended)));
    }
    const after = Number((await h.call('GET', `/api/orders/${paymentCode}`, buyer.token)).body.decisionDeadlineMs);
    expect(after - before).toBe(h.settings.durations.decisionExtensionMs);
    await h.tap(buyer.userId, extend!);
    const once = CHAT_TEXTS['zh-TW'].refused(reasonText({ code: 'extension_used', max: 1 }, 'zh-TW'));
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text === once));

    // Agree asks first; nothing moves until the buyer confirms with the quick reply.
    await h.tap(buyer.userId, agree!);
    await eventually(async () => seenBy(h.line, buyer.userId).some((m) => m.text.includes('確定要撥款')));
    const question = seenBy(h.line, buyer.userId).find((m) => m.text.includes('確定要撥款'))!;
    expect(question.text).toContain('2,400');
    expect((await orderRow(h, paymentCode)).state).toBe('escrow');
    const confirm = postbackData([question], 'confirm_agree');
    expect(confirm).toBe(`action=confirm_agree&order=${link.transactionCode}`);
    await h.tap(buyer.userId, confirm!);
    for (const party of [buyer, seller]) {
      await eventually(async () => seenBy(h.line, party.userId).some((m) => m.text.includes(zh.title.stage_two)));
    }
    await eventually(async () => (await orderRow(h, paymentCode)).state === 'completed');

    const buyerSaw = seenBy(h.line, buyer.userId).map((m) => m.text);
    for (const title of [zh.title.pending_payment_info, zh.title.payment_info, zh.title.stage_one, zh.title.stage_two]) {
      expect(buyerSaw.some((t) => t.includes(title))).toBe(true);
    }
    expect(buyerSaw.filter((t) => t.includes(zh.title.stage_two))).toHaveLength(1);
    const sellerSaw = seenBy(h.line, seller.userId).map((m) => m.text);
    expect(sellerSaw.filter((t) => t.includes(zh.title.link_created))).toHaveLength(1);
    expect(sellerSaw.some((t) => t.includes(zh.title.stage_one))).toBe(true);

    const inbox = () =>
      h.knex('line_inbox').whereIn('user_id', [seller.userId, buyer.userId]).select('event_type', 'outcome', 'processed_at');
    await eventually(async () => (await inbox()).every((r) => r.processed_at !== null));
    // sell; then the postbacks below.
    expect((await inbox()).map((r) => `${r.event_type}:${r.outcome}`).sort()).toEqual([
      'message:done',
      // the currency tapped, resend (refused), the seller's agree, extend ×2, agree, confirm
      ...Array(7).fill('postback:done'),
    ]);
  });
});
