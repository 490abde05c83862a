import { transactionCode } from '../../src/domain/ids';
import { formatMoney } from '../../src/domain/money';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { CHAT_TEXTS } from '../../src/line/webhook/texts';
import { activateWallet, createLink, eventually, userRow } from '../support/deal-steps';
import { seenBy, type SeenMessage } from './chat-view';
import { startLineDealHarness, type LineDealHarness } from './harness';

/**
 * Anything typed (issue 10): the chat understands more than sell and help — my deals, wallet,
 * withdraw, the language, cancel — recognises codes pasted into it, and answers stickers,
 * pictures and unknown words with a short menu of quick replies. Through the LINE emulator:
 * each text is a signed webhook, each answer what LINE received.
 */
const zh = MENU_TEXTS['zh-TW'];
const en = MENU_TEXTS.en;

describe('anything typed into the chat', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends, then waits for the answer (the next message to the user) and returns it. */
  async function ask(userId: string, send: () => Promise<void>): Promise<SeenMessage & { quick: string[] }> {
    const before = h.line.state.messagesTo(userId).length;
    await send();
    await eventually(async () => h.line.state.messagesTo(userId).length > before);
    const raw = h.line.state.messagesTo(userId)[before]!.message as { quickReply?: { items: { action: { label: string } }[] } };
    return { ...seenBy(h.line, userId)[before]!, quick: (raw.quickReply?.items ?? []).map((i) => i.action.label) };
  }
  const emulator = (body: Record<string, unknown>) => async () => {
    const res = await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  it('answers unknown words, stickers and pictures with the menu as quick replies', async () => {
    const user = await h.newUser();
    const unknown = await ask(user.userId, () => h.say(user.userId, 'hello there'));
    expect(unknown.text).toBe(zh.notUnderstood);
    expect(unknown.quick).toEqual([zh.quick.sell, zh.quick.myDeals, zh.quick.wallet, zh.quick.help, 'English']);

    const sticker = await ask(user.userId, emulator({ type: 'sticker', userId: user.userId }));
    expect(sticker.text).toBe(zh.sticker);
    expect(sticker.quick).toHaveLength(5);

    const help = await ask(user.userId, () => h.say(user.userId, '說明'));
    expect(help.text).toBe(CHAT_TEXTS['zh-TW'].help);
  });

  it('switches the language on request and keeps it for the user', async () => {
    const user = await h.newUser();
    const switched = await ask(user.userId, () => h.say(user.userId, 'English'));
    expect(switched.text).toBe(en.languageSet);
    expect(switched.quick).toContain('中文');
    expect((await userRow(h, user.userId)).language).toBe('en');
    const deals = await ask(user.userId, () => h.say(user.userId, 'my deals'));
    expect(deals.text).toBe(en.myDealsNone);
    const back = await ask(user.userId, () => h.say(user.userId, '中文'));
    expect(back.text).toBe(zh.languageSet);
    expect((await userRow(h, user.userId)).language).toBe('zh-TW');
  });

  it('keeps the language chosen in chat when the user blocks and adds the account again', async () => {
    // The profile says zh-TW; the user chose English in chat, which must outlive a new follow event.
    const user = await h.newUser({ language: 'zh-TW' });
    await ask(user.userId, () => h.say(user.userId, 'English'));
    await emulator({ type: 'unfollow', userId: user.userId })();
    await eventually(async () => (await userRow(h, user.userId)).is_friend === false);
    const welcome = await ask(user.userId, emulator({ type: 'follow', userId: user.userId }));
    expect(welcome.text).toBe(CHAT_TEXTS.en.welcome);
    expect((await userRow(h, user.userId)).language).toBe('en');
  });

  it('lists my deals with their states and a button to the list page; a typed TX code opens that deal', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: '二手相機', unitPriceMinor: 1200, quantity: 1, currency: 'TWD' });
    const tx = transactionCode(link.paymentCode);

    const deals = await ask(seller.userId, () => h.say(seller.userId, '我的交易'));
    expect(deals.text).toContain(`${tx}・二手相機・${formatMoney(1200, 'TWD')}・${zh.state.awaiting_buyer}`);
    expect(deals.actions.find((a) => a.type === 'uri')?.uri).toBe(`${h.baseUrl}/pages/deals`);

    const typed = await ask(seller.userId, () => h.say(seller.userId, tx.toLowerCase()));
    expect(typed.text).toContain(zh.transactionFound(tx, zh.state.awaiting_buyer, zh.role.seller));
    expect(typed.actions.find((a) => a.type === 'uri')?.uri).toBe(`${h.baseUrl}/pages/pay/${link.paymentCode}`);

    const stranger = await h.newUser();
    const notTheirs = await ask(stranger.userId, () => h.say(stranger.userId, tx));
    expect(notTheirs.text).toBe(zh.transactionNotFound(tx));
  });

  it('says where a typed verification code goes, with the page that asked for it', async () => {
    const user = await h.newUser();
    const nothing = await ask(user.userId, () => h.say(user.userId, '123456'));
    expect(nothing.text).toContain(zh.verificationCodeWhere.nowhere);

    const started = await h.call('POST', '/api/wallet/activation', user.token);
    expect(started.status).toBe(202);
    await eventually(
      async () =>
        (await h
          .knex('otp_challenges')
          .where({ subject: `wallet:${user.userId}` })
          .first()) !== undefined,
    );
    const wallet = await ask(user.userId, () => h.say(user.userId, '６５４３２１')); // full-width digits, as a zh-TW keyboard types them
    expect(wallet.text).toContain(zh.verificationCodeWhere.wallet);
    expect(wallet.actions.find((a) => a.type === 'uri')?.uri).toBe(`${h.baseUrl}/pages/wallet`);
  });

  it('shows the wallet, offers withdrawal only with a bank account, and cancels an unclaimed link from the chat', async () => {
    const seller = await h.newUser();
    const inactive = await ask(seller.userId, () => h.say(seller.userId, 'wallet'));
    expect(inactive.text).toBe(zh.walletInactive);

    await activateWallet(h, seller);
    const empty = await ask(seller.userId, () => h.say(seller.userId, '提領'));
    expect(empty.text).toContain(zh.walletEmpty);
    expect(empty.text).toContain(zh.withdrawNothing);

    const link = await createLink(h, seller, { name: 'desk lamp', unitPriceMinor: 800, quantity: 1, currency: 'TWD' });
    const tx = transactionCode(link.paymentCode);
    const choose = await ask(seller.userId, () => h.say(seller.userId, 'cancel'));
    expect(choose.text).toContain(zh.cancelChoose);
    const button = choose.actions.find((a) => a.type === 'postback' && a.label === zh.cancelButton(tx));
    expect(button?.data).toBeDefined();
    const cancelled = await ask(seller.userId, () => h.tap(seller.userId, button!.data!));
    expect(cancelled.text).toBe(zh.cancelled(tx));
    await eventually(async () => (await h.knex('orders').where({ payment_code: link.paymentCode }).first())?.state === 'cancelled');
    const again = await ask(seller.userId, () => h.say(seller.userId, `取消 ${tx}`));
    expect(again.text).toBe(zh.cancelRefused(tx));
  });
});
