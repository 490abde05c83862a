import { messagingApi } from '@line/bot-sdk';
import type { Knex } from 'knex';
import type { Settings } from '../config/settings';
import { escapeXml, svgToPng } from '../media/svg';
import { withTimeout } from './adapter';
import { LANGUAGES, type Language } from './render';
import { MENU_WORDS } from './webhook/intents';
import { pageUrl } from './webhook/menu';
import { MENU_TEXTS } from './webhook/menu-texts';

/**
 * The rich menu under our chat (issue 10): sell, my deals, wallet, help. Sell and help send the
 * words the chat understands (so a tap and a typed word take one path); my deals and wallet open
 * their pages. One menu per language, created through the Messaging API by `npm run rich-menu`
 * (createRichMenu, setRichMenuImage, setDefaultRichMenu); users are linked to the menu of their
 * language when they add us and when they switch language in the chat.
 */
export const RICH_MENU_SIZE = { width: 2500, height: 843 };
const CELLS = 4;

export function richMenuRequest(settings: Settings, language: Language): messagingApi.RichMenuRequest {
  const q = MENU_TEXTS[language].quick;
  const cellWidth = Math.floor(RICH_MENU_SIZE.width / CELLS);
  const actions: messagingApi.Action[] = [
    { type: 'message', label: q.sell, text: MENU_WORDS.sell[language] },
    { type: 'uri', label: q.myDeals, uri: pageUrl(settings, '/pages/deals', language) },
    { type: 'uri', label: q.wallet, uri: pageUrl(settings, '/pages/wallet', language) },
    { type: 'message', label: q.help, text: MENU_WORDS.help[language] },
  ];
  return {
    size: RICH_MENU_SIZE,
    selected: true,
    name: `escrow-menu-${language}`,
    chatBarText: language === 'en' ? 'Menu' : '選單',
    areas: actions.map((action, i) => ({
      bounds: {
        x: i * cellWidth,
        y: 0,
        width: i === CELLS - 1 ? RICH_MENU_SIZE.width - i * cellWidth : cellWidth,
        height: RICH_MENU_SIZE.height,
      },
      action,
    })),
  };
}

/** The menu's picture: four tiles with their words, drawn with the pages' colours. */
export function richMenuImage(language: Language): Buffer {
  const q = MENU_TEXTS[language].quick;
  const hints =
    language === 'en'
      ? ['Create a payment link', 'Deals you sold or bought', 'Balance and withdraw', 'What you can do']
      : ['建立付款連結', '查看買賣的交易', '餘額與提領', '可以做什麼'];
  const labels = [q.sell, q.myDeals, q.wallet, q.help];
  const colours = ['#06703A', '#1F6FEB', '#8A5A00', '#4A535C'];
  const w = RICH_MENU_SIZE.width / CELLS;
  const tiles = labels
    .map(
      (label, i) => `<g transform="translate(${i * w} 0)">
<rect x="12" y="12" width="${w - 24}" height="${RICH_MENU_SIZE.height - 24}" rx="36" fill="${colours[i]}"/>
<text x="${w / 2}" y="400" text-anchor="middle" font-family="sans-serif" font-size="120" font-weight="bold" fill="#FFFFFF">${escapeXml(label)}</text>
<text x="${w / 2}" y="540" text-anchor="middle" font-family="sans-serif" font-size="56" fill="#FFFFFF" fill-opacity="0.9">${escapeXml(hints[i]!)}</text>
</g>`,
    )
    .join('');
  return svgToPng(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${RICH_MENU_SIZE.width}" height="${RICH_MENU_SIZE.height}" viewBox="0 0 ${RICH_MENU_SIZE.width} ${RICH_MENU_SIZE.height}"><rect width="100%" height="100%" fill="#F2F4F6"/>${tiles}</svg>`,
  );
}

function clients(settings: Settings) {
  const channelAccessToken = settings.line.channelAccessToken;
  return {
    api: new messagingApi.MessagingApiClient({ channelAccessToken, baseURL: settings.line.apiBaseUrl }),
    blob: new messagingApi.MessagingApiBlobClient({ channelAccessToken, baseURL: settings.line.dataApiBaseUrl }),
  };
}

/**
 * Creates one menu per language with its picture, makes zh-TW's the default, records them, and
 * deletes the menus they replace. Returns the new ids by language.
 */
export async function installRichMenus(settings: Settings, knex: Knex): Promise<Record<Language, string>> {
  const { api, blob } = clients(settings);
  const timeoutMs = settings.line.apiTimeoutMs;
  const previous = await knex('rich_menus').select('language', 'rich_menu_id');
  const created = {} as Record<Language, string>;
  for (const language of LANGUAGES) {
    const { richMenuId } = await withTimeout(api.createRichMenu(richMenuRequest(settings, language)), timeoutMs);
    await withTimeout(
      blob.setRichMenuImage(richMenuId, new Blob([new Uint8Array(richMenuImage(language))], { type: 'image/png' })),
      timeoutMs,
    );
    created[language] = richMenuId;
  }
  await withTimeout(api.setDefaultRichMenu(created['zh-TW']), timeoutMs);
  for (const language of LANGUAGES) {
    await knex('rich_menus')
      .insert({ language, rich_menu_id: created[language], created_at: knex.fn.now() })
      .onConflict('language')
      .merge();
  }
  for (const old of previous) {
    if (Object.values(created).includes(old.rich_menu_id)) continue;
    await withTimeout(api.deleteRichMenu(old.rich_menu_id), timeoutMs).catch(() => undefined); // already gone: nothing to do
  }
  return created;
}

/** Links the user to the menu of their language, when `npm run rich-menu` has made one. */
export async function linkRichMenu(settings: Settings, knex: Knex, userId: string, language: Language): Promise<boolean> {
  const row = await knex('rich_menus').where({ language }).first('rich_menu_id');
  if (!row) return false;
  await withTimeout(clients(settings).api.linkRichMenuIdToUser(userId, row.rich_menu_id), settings.line.apiTimeoutMs);
  return true;
}
