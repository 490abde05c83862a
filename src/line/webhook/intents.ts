import type { Language } from '../render';
import { parseCommand, type Command } from './commands';

/**
 * What a person meant by a text typed to our official account. The words are the ones the rich
 * menu and the quick replies send (so a tap and a typed word are one path), in zh-TW and English,
 * plus the codes people paste into the chat by mistake: a 6-digit verification code (payment OTP,
 * wallet or phone code) or a transaction code (TX-XXXX-XXXX) from a card or a screenshot.
 */
export type Intent =
  | Command
  | { kind: 'my_deals' }
  | { kind: 'wallet' }
  | { kind: 'withdraw' }
  | { kind: 'language'; to?: Language }
  | { kind: 'cancel'; transactionCode?: string }
  | { kind: 'verification_code' }
  | { kind: 'transaction_code'; transactionCode: string }
  | { kind: 'unknown' };

/** The words each menu item and quick reply sends; the parser accepts them and their synonyms. */
export const MENU_WORDS = {
  sell: { 'zh-TW': '賣', en: 'sell' },
  myDeals: { 'zh-TW': '我的交易', en: 'my deals' },
  wallet: { 'zh-TW': '錢包', en: 'wallet' },
  withdraw: { 'zh-TW': '提領', en: 'withdraw' },
  help: { 'zh-TW': '說明', en: 'help' },
} as const;

const HELP = /^(?:help|menu|\?|？|說明|幫助|選單|指令)$/i;
const MY_DEALS = /^(?:my\s*deals?|deals?|orders?|my\s*orders?|我的交易|交易紀錄|我的訂單|訂單|交易)$/i;
const WALLET = /^(?:wallet|my\s*wallet|balance|錢包|我的錢包|餘額|電子錢包)$/i;
const WITHDRAW = /^(?:withdraw|cash\s*out|payout|提領|提款|領錢|出金)$/i;
const LANGUAGE_EN = /^(?:english|en|英文)$/i;
const LANGUAGE_ZH = /^(?:中文|繁體中文|zh|zh-tw|chinese)$/i;
const LANGUAGE_ASK = /^(?:language|lang|語言)$/i;
const CANCEL = /^(?:cancel|取消)(?:\s+(\S+))?$/i;
const VERIFICATION_CODE = /^\d{6}$/;
const TRANSACTION_CODE = /^TX-?([0-9A-Z]{4})-?([0-9A-Z]{4})$/i;

export function parseIntent(raw: string): Intent {
  const text = normalise(raw);
  if (text === '') return { kind: 'unknown' };
  if (HELP.test(text)) return { kind: 'help' };
  if (MY_DEALS.test(text)) return { kind: 'my_deals' };
  if (WALLET.test(text)) return { kind: 'wallet' };
  if (WITHDRAW.test(text)) return { kind: 'withdraw' };
  if (LANGUAGE_EN.test(text)) return { kind: 'language', to: 'en' };
  if (LANGUAGE_ZH.test(text)) return { kind: 'language', to: 'zh-TW' };
  if (LANGUAGE_ASK.test(text)) return { kind: 'language' };
  const cancel = CANCEL.exec(text);
  if (cancel) {
    const code = cancel[1] ? transactionCodeOf(cancel[1]) : undefined;
    return { kind: 'cancel', ...(code ? { transactionCode: code } : {}) };
  }
  if (VERIFICATION_CODE.test(text)) return { kind: 'verification_code' };
  const tx = transactionCodeOf(text);
  if (tx) return { kind: 'transaction_code', transactionCode: tx };
  const command = parseCommand(text);
  return command.kind === 'help' ? { kind: 'unknown' } : command;
}

/** TX-ABCD-EFGH however it was typed (lower case, without dashes). */
export function transactionCodeOf(text: string): string | undefined {
  const match = TRANSACTION_CODE.exec(text.trim());
  return match ? `TX-${match[1]!.toUpperCase()}-${match[2]!.toUpperCase()}` : undefined;
}

/** Full-width letters, digits and spaces (Chinese keyboards) become ASCII; runs of spaces one. */
function normalise(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => (c === '？' ? c : String.fromCharCode(c.charCodeAt(0) - 0xfee0)))
    .replace(/\u3000/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
