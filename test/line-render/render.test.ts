import type { messagingApi } from '@line/bot-sdk';
import { formatMoney } from '../../src/domain/money';
import {
  ACTION_LABEL_MAX_CHARS,
  FLEX_ALT_TEXT_MAX_CHARS,
  FLEX_BUBBLE_MAX_BYTES,
  POSTBACK_DATA_MAX_CHARS,
  jsonBytes,
} from '../../src/line/limits';
import { LANGUAGES, STRINGS, decodePostback, renderDealMessage } from '../../src/line/render';
import { CODE, allSamples, codeOf, hugeProduct, product, samplesFor } from './samples';
import { actionsIn, objectsIn, visibleText } from './walk';
import { validateMessages } from '../../src/emulators/line/validate';

/** Every kind, and the stage-one card with the seller's photo as its picture (to either party). */
const withPhoto = (p: typeof product) =>
  (['buyer', 'seller'] as const).map((audience) => ({ ...samplesFor({ ...p, hasPhoto: true }).stage_one, audience, extendable: true }));
const cases = LANGUAGES.flatMap((language) => [
  ...[...allSamples(product), ...withPhoto(product)].map((message) => ({ language, message, size: 'typical' })),
  ...[...allSamples(hugeProduct), ...withPhoto(hugeProduct)].map((message) => ({ language, message, size: '200-char name, huge amount' })),
]);

describe('renderDealMessage', () => {
  it.each(cases)(
    '$message.kind ($language, $size) fits LINE limits and names its transaction code if it has one',
    ({ language, message }) => {
      const rendered = renderDealMessage(message, language);
      expect(rendered).toHaveLength(1);
      const [out] = rendered as [messagingApi.Message];
      if (out.type === 'flex') {
        expect(out.altText.length).toBeGreaterThan(0);
        expect(out.altText.length).toBeLessThanOrEqual(FLEX_ALT_TEXT_MAX_CHARS);
        expect(jsonBytes(out.contents)).toBeLessThanOrEqual(FLEX_BUBBLE_MAX_BYTES);
      }
      for (const action of actionsIn(out)) {
        expect((action.label ?? '').length).toBeLessThanOrEqual(ACTION_LABEL_MAX_CHARS);
        if (action.type === 'postback') {
          expect(action.data!.length).toBeLessThanOrEqual(POSTBACK_DATA_MAX_CHARS);
          expect(decodePostback(action.data)).not.toBeNull();
        }
      }
      // LINE refuses empty text components; a missing string-table entry would show up as one.
      for (const o of objectsIn(out)) if (o.type === 'text') expect(o.text).toEqual(expect.stringMatching(/\S/));
      const code = codeOf(message);
      if (code) {
        expect(visibleText(out)).toContain(code);
        if (out.type === 'flex') expect(out.altText).toContain(code);
      }
      // LINE's own request checks, as the emulator states them from LINE's OpenAPI document and reference.
      expect(validateMessages({ messages: rendered }, { allowLoopbackHttpMedia: false })).toEqual([]);
    },
  );

  it('speaks Traditional Chinese by default and English on request, for every kind', () => {
    for (const message of allSamples()) {
      const zh = JSON.stringify(renderDealMessage(message));
      const en = JSON.stringify(renderDealMessage(message, 'en'));
      expect(zh).toEqual(JSON.stringify(renderDealMessage(message, 'zh-TW')));
      expect(zh).toContain(STRINGS['zh-TW'].title[message.kind]);
      expect(en).toContain(STRINGS.en.title[message.kind]);
      expect(zh).not.toEqual(en);
    }
  });

  it('keeps every button label of both tables within 20 characters', () => {
    for (const language of LANGUAGES) {
      for (const label of Object.values(STRINGS[language].button)) expect(label.length).toBeLessThanOrEqual(ACTION_LABEL_MAX_CHARS);
    }
  });

  it('shows the S107 picture from our watermark endpoint, with unit price, quantity, total and a pay-now link', () => {
    const message = samplesFor(product).pending_payment_info;
    const [out] = renderDealMessage(message, 'en') as [messagingApi.FlexMessage];
    const bubble = out.contents as messagingApi.FlexBubble;
    const hero = bubble.hero as messagingApi.FlexImage;
    const url = new URL(hero.url);
    expect(url.origin).toBe('https://pay.example');
    expect(url.pathname).toBe(`/media/watermark/${CODE}.png`);
    expect(url.searchParams.get('name')).toBe(product.productName);
    const text = visibleText(out);
    expect(text).toContain(formatMoney(product.unitPriceMinor, 'TWD'));
    expect(text).toContain(formatMoney(product.totalMinor, 'TWD'));
    expect(text).toContain(product.productName);
    expect(actionsIn(out)).toContainEqual(expect.objectContaining({ type: 'uri', uri: message.paymentUrl }));
  });

  it('points the watermark at the configured media base and cuts a 200-character name to 80 for the URL', () => {
    const message = samplesFor(hugeProduct).pending_payment_info;
    const [out] = renderDealMessage(message, 'zh-TW', { mediaBaseUrl: 'https://api.example/escrow/' }) as [messagingApi.FlexMessage];
    const hero = (out.contents as messagingApi.FlexBubble).hero as messagingApi.FlexImage;
    expect(hero.url.startsWith('https://api.example/escrow/media/watermark/TX-ZZZZ-ZZZZ.png?name=')).toBe(true);
    const name = new URL(hero.url).searchParams.get('name')!;
    expect(name.length).toBeLessThanOrEqual(80);
    expect(hugeProduct.productName.startsWith(name)).toBe(true);
  });

  it('leaves the picture out rather than pointing at a URL the media router would refuse', () => {
    const message = samplesFor({ ...product, transactionCode: 'tx lower case' }).pending_payment_info;
    const [out] = renderDealMessage(message) as [messagingApi.FlexMessage];
    expect((out.contents as messagingApi.FlexBubble).hero).toBeUndefined();
  });

  it('gives stage one a three-step progress bar, the QR picture and agree/dispute postbacks for the order', () => {
    const message = samplesFor(product).stage_one;
    const [out] = renderDealMessage(message, 'en') as [messagingApi.FlexMessage];
    const objects = objectsIn(out.contents);
    expect(objects).toContainEqual(expect.objectContaining({ type: 'image', url: message.qrImageUrl }));
    const segments = objects.filter((o) => o.type === 'box' && o.height === '6px').map((o) => o.backgroundColor);
    expect(segments).toHaveLength(3);
    expect(new Set(segments).size).toBe(3); // done, current and to-do look different
    const postbacks = actionsIn(out).filter((a): a is messagingApi.PostbackAction => a.type === 'postback');
    expect(postbacks.map((a) => decodePostback(a.data))).toEqual([
      { action: 'agree', transactionCode: CODE },
      { action: 'dispute', transactionCode: CODE },
    ]);
    expect(postbacks.every((a) => a.data!.startsWith('action='))).toBe(true);
    expect(actionsIn(out)).toContainEqual(expect.objectContaining({ type: 'uri', uri: message.progressUrl }));
  });

  it("stage one shows the seller's photo as its picture, watermarked and from the link card's URL; the QR code stays, smaller", () => {
    const photo = { ...product, hasPhoto: true };
    const linkCard = renderDealMessage(samplesFor(photo).pending_payment_info, 'en')[0] as messagingApi.FlexMessage;
    const linkHero = (linkCard.contents as messagingApi.FlexBubble).hero as messagingApi.FlexImage;
    for (const audience of ['buyer', 'seller'] as const) {
      for (const language of LANGUAGES) {
        const message = { ...samplesFor(photo).stage_one, audience };
        const [out] = renderDealMessage(message, language) as [messagingApi.FlexMessage];
        const bubble = out.contents as messagingApi.FlexBubble;
        const hero = bubble.hero as messagingApi.FlexImage;
        expect(hero).toMatchObject({ type: 'image', url: linkHero.url, size: 'full', aspectRatio: '1:1' });
        expect(new URL(hero.url).pathname).toBe(`/media/watermark/${CODE}.png`);
        // S203: still viewable through a QR code (below the facts, with a line saying so) and the code.
        const qr = objectsIn(bubble.body).find((o) => o.type === 'image');
        expect(qr).toMatchObject({ url: message.qrImageUrl, size: 'sm' });
        expect(visibleText(out)).toContain(STRINGS[language].label.qrCaption);
        expect(visibleText(out)).toContain(CODE);
        expect(actionsIn(out)).toContainEqual(expect.objectContaining({ type: 'uri', uri: message.progressUrl }));
      }
    }
    // The media base configured for the api wins over the page's origin, as on the link card.
    const [based] = renderDealMessage(samplesFor(photo).stage_one, 'zh-TW', { mediaBaseUrl: 'https://api.example/escrow' }) as [
      messagingApi.FlexMessage,
    ];
    expect(((based.contents as messagingApi.FlexBubble).hero as messagingApi.FlexImage).url).toMatch(
      /^https:\/\/api\.example\/escrow\/media\/watermark\/TX-7K3M-Q9PZ\.png\?name=/,
    );
  });

  it('stage one without a photo keeps the QR code as its only picture, as before', () => {
    const message = samplesFor(product).stage_one;
    const [out] = renderDealMessage(message, 'zh-TW') as [messagingApi.FlexMessage];
    const bubble = out.contents as messagingApi.FlexBubble;
    expect(bubble.hero).toBeUndefined();
    expect(objectsIn(bubble.body).filter((o) => o.type === 'image')).toEqual([
      { type: 'image', url: message.qrImageUrl, size: 'md', aspectRatio: '1:1', aspectMode: 'fit' },
    ]);
    expect(visibleText(out)).not.toContain(STRINGS['zh-TW'].label.qrCaption);
  });

  it("stage one shows the seller's description of the product, in the reader's language's label", () => {
    const message = samplesFor({ ...product, description: 'Lightly used, with its box' }).stage_one;
    const [zhCard] = renderDealMessage(message, 'zh-TW');
    expect(visibleText(zhCard!)).toContain('商品說明');
    expect(visibleText(zhCard!)).toContain('Lightly used, with its box');
    const [plain] = renderDealMessage(samplesFor(product).stage_one, 'en');
    expect(visibleText(plain!)).not.toContain('Description');
  });

  it("buttons for the party they serve: the seller's stage-one card has no Agree/Dispute, the seller's link card no Pay now", () => {
    const samples = samplesFor(product);
    const postbacksOf = (out: messagingApi.Message) => actionsIn(out).filter((a) => a.type === 'postback');
    const [buyers] = renderDealMessage({ ...samples.stage_one, audience: 'buyer' }, 'zh-TW');
    const [sellers] = renderDealMessage({ ...samples.stage_one, audience: 'seller' }, 'zh-TW');
    expect(postbacksOf(buyers!)).toHaveLength(2);
    expect(postbacksOf(sellers!)).toEqual([]);
    expect(actionsIn(sellers!)).toContainEqual(expect.objectContaining({ type: 'uri', uri: samples.stage_one.progressUrl }));
    const [link] = renderDealMessage(samples.link_created, 'zh-TW');
    expect(actionsIn(link!).filter((a) => a.type === 'uri')).toEqual([]);
    expect(visibleText(link!)).not.toContain('立即付款');
  });

  it('translates the reason code of a failed payment; English only for deals from before codes', () => {
    const failed = { ...samplesFor(product).payment_failed, reason: 'wrong verification code, 2 tries left' };
    const [zh] = renderDealMessage({ ...failed, reasonCode: { code: 'wrong_otp', attemptsLeft: 2 } }, 'zh-TW');
    expect(visibleText(zh!)).toContain('驗證碼錯誤,還可以再試 2 次。');
    expect(visibleText(zh!)).not.toContain('wrong verification code');
    const [old] = renderDealMessage(failed, 'zh-TW');
    expect(visibleText(old!)).toContain('wrong verification code');
  });

  it('shows the platform fee before paying: to the seller what they receive, to the buyer what is due', () => {
    const samples = samplesFor({ ...product, totalMinor: 1000, currency: 'TWD' });
    const [sellerPays] = renderDealMessage({ ...samples.link_created, fee: { feeMinor: 25, payer: 'seller' } }, 'en');
    expect(visibleText(sellerPays!)).toEqual(expect.stringContaining('Platform fee'));
    expect(visibleText(sellerPays!)).toContain('TWD 975');
    const [buyerPays] = renderDealMessage({ ...samples.payment_info, fee: { feeMinor: 25, payer: 'buyer' } }, 'zh-TW');
    expect(visibleText(buyerPays!)).toContain('平台手續費');
    expect(visibleText(buyerPays!)).toContain('TWD 1,025');
    const [none] = renderDealMessage(samples.payment_info, 'en');
    expect(visibleText(none!)).not.toContain('Platform fee');
  });

  it("says how long an expired link lived in the setting's own unit; deals from before by their days", () => {
    const expired = samplesFor(product).link_expired;
    const said = (message: typeof expired, language: 'zh-TW' | 'en') => visibleText(renderDealMessage(message, language)[0]!);
    expect(said(expired, 'zh-TW')).toContain('7 天內沒有買方付款');
    expect(said(expired, 'en')).toContain('within 7 days');
    expect(said({ ...expired, expiredAfterDays: 1, expiredAfterMs: 12 * 3600_000 }, 'zh-TW')).toContain('12 小時內');
    expect(said({ ...expired, expiredAfterDays: 1, expiredAfterMs: 12 * 3600_000 }, 'en')).toContain('within 12 hours');
    expect(said({ ...expired, expiredAfterDays: 1, expiredAfterMs: 25_000 }, 'zh-TW')).toContain('25 秒內');
    expect(said({ ...expired, expiredAfterDays: 1, expiredAfterMs: 60_000 }, 'en')).toContain('within 1 minute.');
    expect(said({ ...expired, expiredAfterDays: 1, expiredAfterMs: 86_400_000 }, 'en')).toContain('within 1 day.');
  });

  it('sends the OTP as plain text with a resend quick reply', () => {
    const [out] = renderDealMessage(samplesFor(product).otp, 'zh-TW');
    expect(out!.type).toBe('text');
    const text = (out as messagingApi.TextMessage).text;
    expect(text).toContain('904117');
    expect(text).toContain('5 分鐘');
    const quick = out!.quickReply!.items![0]!.action as messagingApi.PostbackAction;
    expect(decodePostback(quick.data)).toEqual({ action: 'resend_otp', transactionCode: CODE });
  });

  it('formats huge amounts with formatMoney, whole', () => {
    const [out] = renderDealMessage(samplesFor(hugeProduct).payment_info, 'en');
    expect(visibleText(out!)).toContain('USD 10,000,000.00');
  });

  it('is deterministic, so a retried push sends the identical body', () => {
    for (const message of allSamples()) expect(renderDealMessage(message, 'en')).toEqual(renderDealMessage(message, 'en'));
  });
});
