import { imageSize } from '../../src/emulators/line/rich-menu-routes';
import { installRichMenus, richMenuImage, richMenuRequest, RICH_MENU_SIZE } from '../../src/line/rich-menu';
import { svgToPng } from '../../src/media/svg';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { eventually } from '../support/deal-steps';
import { startLineDealHarness, type LineDealHarness } from './harness';

/**
 * The rich menu (issue 10): `npm run rich-menu` creates one menu per language through the
 * Messaging API — our LINE emulator checks each call as LINE's documents say (size, areas,
 * actions, the image's type and size) — makes zh-TW's the default, and users are linked to the
 * menu of their language when they add us or switch language in the chat.
 */
describe('the rich menu', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is created with its picture, made the default, recorded, and replaces the menus made before', async () => {
    const first = await installRichMenus(h.settings, h.knex);
    const second = await installRichMenus(h.settings, h.knex);
    expect(h.line.state.defaultRichMenuId).toBe(second['zh-TW']);
    const menus = h.line.state.listRichMenus();
    expect(menus.map((m) => m.richMenuId).sort()).toEqual([second['zh-TW'], second.en].sort());
    expect(menus.every((m) => m.image !== undefined)).toBe(true);
    expect(menus.map((m) => m.richMenuId)).not.toContain(first['zh-TW']);
    const zh = h.line.state.richMenu(second['zh-TW'])!;
    expect(zh.chatBarText).toBe('選單');
    const labels = (zh.areas as { action: { label: string; uri?: string; text?: string } }[]).map((a) => a.action);
    expect(labels.map((a) => a.label)).toEqual([
      MENU_TEXTS['zh-TW'].quick.sell,
      MENU_TEXTS['zh-TW'].quick.myDeals,
      MENU_TEXTS['zh-TW'].quick.wallet,
      MENU_TEXTS['zh-TW'].quick.help,
    ]);
    expect(labels[1]!.uri).toBe(`${h.baseUrl}/pages/deals`);
    expect(labels[0]!.text).toBe('賣');
    expect(imageSize('image/png', zh.image!.body)).toEqual(RICH_MENU_SIZE);
    expect(await h.knex('rich_menus').orderBy('language')).toMatchObject([
      { language: 'en', rich_menu_id: second.en },
      { language: 'zh-TW', rich_menu_id: second['zh-TW'] },
    ]);
  });

  it('links a user to the menu of their language when they add us, and again when they switch', async () => {
    const ids = await installRichMenus(h.settings, h.knex);
    const user = await h.newUser({ friend: false, language: 'en' });
    await fetch(`${h.line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'follow', userId: user.userId }),
    });
    await eventually(async () => h.line.state.richMenuOf(user.userId) === ids.en);
    await h.say(user.userId, '中文');
    await eventually(async () => h.line.state.richMenuOf(user.userId) === ids['zh-TW']);
  });

  it('is refused by the emulator as LINE refuses it: a bad size or area, an image of the wrong size, a default without image', async () => {
    const auth = { authorization: `Bearer ${h.settings.line.channelAccessToken}` };
    const create = (body: unknown) =>
      fetch(`${h.line.baseUrl}/v2/bot/richmenu`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const good = richMenuRequest(h.settings, 'en');
    const tooSmall = await create({ ...good, size: { width: 700, height: 843 } });
    expect(tooSmall.status).toBe(400);
    expect(JSON.stringify(await tooSmall.json())).toContain('size.width');
    const outside = await create({ ...good, areas: [{ ...good.areas![0], bounds: { x: 2400, y: 0, width: 200, height: 843 } }] });
    expect(outside.status).toBe(400);
    const longBar = await create({ ...good, chatBarText: 'x'.repeat(15) });
    expect(longBar.status).toBe(400);

    const { richMenuId } = (await (await create(good)).json()) as { richMenuId: string };
    const noImage = await fetch(`${h.line.baseUrl}/v2/bot/user/all/richmenu/${richMenuId}`, { method: 'POST', headers: auth });
    expect(noImage.status).toBe(400);
    const small = await fetch(`${h.line.baseUrl}/v2/bot/richmenu/${richMenuId}/content`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png' },
      body: new Uint8Array(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="405"/>')),
    });
    expect(small.status).toBe(400);
    const upload = (bytes: Buffer) =>
      fetch(`${h.line.baseUrl}/v2/bot/richmenu/${richMenuId}/content`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'image/png' },
        body: new Uint8Array(bytes),
      });
    expect((await upload(richMenuImage('en'))).status).toBe(200);
    expect((await upload(richMenuImage('en'))).status).toBe(400); // once only
  });
});
