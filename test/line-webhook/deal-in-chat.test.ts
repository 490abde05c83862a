import { STRINGS } from '../../src/line/render';
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

    // Only the buyer decides: the seller tapping the same button is told so, and nothing moves.
    await h.tap(seller.userId, agree!);
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text === CHAT_TEXTS['zh-TW'].notYourOrder));
    expect((await orderRow(h, paymentCode)).state).toBe('escrow');

    await h.tap(buyer.userId, agree!);
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
    // sell, the currency tapped, the seller's refused agree, the buyer's agree.
    expect((await inbox()).map((r) => `${r.event_type}:${r.outcome}`).sort()).toEqual([
      'message:done',
      'postback:done',
      'postback:done',
      'postback:done',
    ]);
  });
});
