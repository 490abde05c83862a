import { MAX_AMOUNT_MINOR } from '../../src/domain/money';
import { photoSourceFor } from '../../src/media/photos';
import { svgToPng } from '../../src/media/svg';
import { watermarkedProductImage } from '../../src/media/watermark';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { activateWallet, eventually, lastMessage } from '../support/deal-steps';
import { seenBy } from './chat-view';
import { startLineDealHarness, type LineDealHarness } from './harness';

/**
 * A seller's first sale from the chat (issue 10): `sell` opens a draft, a picture and a line of
 * text become the product's photo and description, the currency is a quick reply, and a seller
 * without an e-wallet gets the link as soon as the wallet is active — no second `sell`.
 */
const zh = MENU_TEXTS['zh-TW'];

describe("a seller's first sale from the chat", () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const saw = (userId: string, text: string) => seenBy(h.line, userId).some((m) => m.text.includes(text));
  const currencyData = (userId: string, currency: string) =>
    seenBy(h.line, userId)
      .flatMap((m) => m.actions)
      .find((a) => a.type === 'postback' && a.data === `m=currency&c=${currency}`)?.data;
  const sendImage = async (userId: string, png: Buffer) => {
    const res = await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'image', userId, contentType: 'image/png', contentBase64: png.toString('base64') }),
    });
    expect(res.status).toBe(200);
  };

  it('takes a photo and a description, asks the currency, and creates the link right after the wallet is activated', async () => {
    const seller = await h.newUser();
    await h.say(seller.userId, 'sell 25 2 hand-made mug');
    await eventually(async () => currencyData(seller.userId, 'USD') !== undefined);
    expect(await h.knex('payment_links').where({ seller_id: seller.userId })).toHaveLength(0);

    const photo = svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="#c0392b"/></svg>',
    );
    await sendImage(seller.userId, photo);
    await eventually(async () => saw(seller.userId, zh.photoAdded));
    await h.say(seller.userId, 'Glazed stoneware, 350 ml');
    await eventually(async () => saw(seller.userId, zh.descriptionAdded));

    await h.tap(seller.userId, currencyData(seller.userId, 'USD')!);
    await eventually(async () => saw(seller.userId, zh.saleWaitsForWallet));
    expect(await h.knex('payment_links').where({ seller_id: seller.userId })).toHaveLength(0);

    await activateWallet(h, seller); // the code typed on the wallet page: nothing more in the chat
    await eventually(async () => lastMessage(h, seller.userId, 'link_created') !== undefined);
    const created = lastMessage(h, seller.userId, 'link_created');
    expect(created.product).toMatchObject({
      productName: 'hand-made mug',
      unitPriceMinor: 2500,
      quantity: 2,
      totalMinor: 5000,
      currency: 'USD',
      hasPhoto: true, // so the deal's cards show it (stage one's picture)
    });
    expect(await h.knex('sale_drafts').where({ seller_id: seller.userId })).toHaveLength(0);
    const link = await h.knex('payment_links').where({ seller_id: seller.userId }).first();
    expect(link).toBeDefined();

    // The photo belongs to this deal's transaction code and is drawn under its watermark.
    const source = await photoSourceFor(h.knex)(created.product.transactionCode);
    expect(source).toContain('data:image/png;base64,');
    const withPhoto = watermarkedProductImage({
      transactionCode: created.product.transactionCode,
      productName: 'mug',
      sourceImageSvgOrNull: source,
    });
    const without = watermarkedProductImage({
      transactionCode: created.product.transactionCode,
      productName: 'mug',
      sourceImageSvgOrNull: null,
    });
    expect(withPhoto.equals(without)).toBe(false);
  });

  it('creates the link at once for an active wallet; a picture without a sale, or a price too large for the currency, is explained', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    await sendImage(seller.userId, svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'));
    await eventually(async () => saw(seller.userId, zh.photoWithoutSale));

    await h.say(seller.userId, `賣 ${MAX_AMOUNT_MINOR} 1 古董`);
    await eventually(async () => currencyData(seller.userId, 'THB') !== undefined);
    await h.tap(seller.userId, currencyData(seller.userId, 'THB')!);
    await eventually(async () => saw(seller.userId, zh.priceTooLarge));

    await h.say(seller.userId, '賣 300 1 二手書');
    await eventually(
      async () => seenBy(h.line, seller.userId).filter((m) => m.actions.some((a) => a.data === 'm=currency&c=TWD')).length >= 2,
    );
    await h.tap(seller.userId, 'm=currency&c=TWD');
    await eventually(async () => lastMessage(h, seller.userId, 'link_created') !== undefined);
    expect(lastMessage(h, seller.userId, 'link_created').product).toMatchObject({
      productName: '二手書',
      totalMinor: 300,
      currency: 'TWD',
    });
    // The picture sent before the sale is not this sale's: its stage one keeps the QR code as its picture.
    expect(lastMessage(h, seller.userId, 'link_created').product.hasPhoto).toBeUndefined();
  });
});
