import type { messagingApi } from '@line/bot-sdk';
import type { Settings } from '../../config/settings';
import type { Language } from '../render';
import { MENU_WORDS } from './intents';
import { MENU_TEXTS } from './menu-texts';

/**
 * The short menu every answer of the chat carries as quick replies: sell, my deals, wallet, help
 * and the other language. Each item sends the word the text router understands, so a tap and
 * a typed word take one path. Links to our pages go through pageUrl, in the user's language.
 */
export function quickMenu(language: Language): messagingApi.QuickReply {
  const q = MENU_TEXTS[language].quick;
  const word = (w: keyof typeof MENU_WORDS) => MENU_WORDS[w][language];
  const item = (label: string, text: string): messagingApi.QuickReplyItem => ({ type: 'action', action: { type: 'message', label, text } });
  return {
    items: [
      item(q.sell, word('sell')),
      item(q.myDeals, word('myDeals')),
      item(q.wallet, word('wallet')),
      item(q.help, word('help')),
      item(q.otherLanguage, language === 'en' ? '中文' : 'English'),
    ],
  };
}

/** The same message with the menu under it (replacing any quick replies it had). */
export function withMenu<M extends messagingApi.Message>(message: M, language: Language): M {
  return { ...message, quickReply: quickMenu(language) };
}

/**
 * One of our pages, in the user's language (zh-TW is the pages' default). With a LIFF app
 * (LIFF_ID, endpoint PUBLIC_BASE_URL) the link opens it inside LINE: https://liff.line.me/<id>
 * followed by the page's path, which LIFF appends to the endpoint.
 */
export function pageUrl(settings: Settings, path: string, language: Language): string {
  const base = settings.line.liffId ? `https://liff.line.me/${settings.line.liffId}` : settings.publicBaseUrl.replace(/\/+$/, '');
  const url = new URL(`${base}${path.startsWith('/') ? path : `/${path}`}`);
  if (language === 'en') url.searchParams.set('lang', 'en');
  return url.toString();
}
