import type { Language } from '../render';
import { PRODUCT_NAME_MAX_CHARS, QUANTITY_MAX, type SellProblem } from './commands';

/**
 * What the bot answers in the chat itself (the deal's own messages are rendered elsewhere).
 * One table per language; the compiler refuses a table that forgets an answer.
 */
export interface ChatTexts {
  help: string;
  welcome: string;
  sellInvalid: Record<SellProblem, string>;
  walletActivationRequired: string;
  sellerRefused: string;
  orderNotFound: string;
  notYourOrder: string;
  payHere(url: string): string;
  refused(reason: string): string;
}

const zhTW: ChatTexts = {
  help: [
    '【履約保證】可用指令:',
    `・賣 <價格> <數量> <品名> — 建立付款連結,例如「賣 1200 1 二手相機」`,
    '・我的交易 — 查看您的交易',
    '・錢包 — 查看餘額;提領 — 把錢轉到銀行帳戶',
    '・取消 — 取消還沒有人付款的付款連結',
    '・English — switch to English',
    '・說明 — 顯示本說明',
    '買方請點選賣方提供的付款連結並輸入動態密碼付款。驗證碼請輸入在要求驗證碼的頁面,不要傳到聊天室。',
  ].join('\n'),
  welcome: '感謝加入好友!我們替買賣雙方保管款項,確認收貨後才撥款給賣方。輸入「說明」查看可用指令。',
  sellInvalid: {
    price: '格式:賣 <價格> <數量> <品名>,價格為正整數(新台幣元),例如「賣 1200 1 二手相機」。',
    quantity: `數量須為 1 到 ${QUANTITY_MAX} 的整數。`,
    name_too_long: `品名最多 ${PRODUCT_NAME_MAX_CHARS} 個字,請縮短後再試。`,
    total_too_large: '總金額超過單筆交易上限。',
  },
  walletActivationRequired: '建立付款連結前須先啟用電子錢包,請依照我們傳送的啟用訊息完成驗證後再試一次。',
  sellerRefused: '很抱歉,此帳號目前無法建立付款連結。如有疑問請聯絡客服。',
  orderNotFound: '找不到這筆交易。',
  notYourOrder: '只有此交易的買方可以執行這個操作。',
  payHere: (url) => `請由此付款:${url}`,
  refused: (reason) => `無法執行:${reason}`,
};

const en: ChatTexts = {
  help: [
    '[Escrow] Commands:',
    '• sell <price> <qty> <name> — create a payment link, e.g. "sell 1200 1 used camera"',
    '• my deals — your deals',
    '• wallet — your balance; withdraw — move it to your bank account',
    '• cancel — cancel a payment link nobody has paid',
    '• 中文 — 切換為中文',
    '• help — show this help',
    'Buyers open the payment link the seller gave them and enter its dynamic password. Enter verification codes on the page that asked for them, not in the chat.',
  ].join('\n'),
  welcome: 'Thanks for adding us! We hold the payment until the buyer confirms, then pay the seller. Send "help" to see what you can do.',
  sellInvalid: {
    price: 'Format: sell <price> <qty> <name>; the price is a whole number of TWD, e.g. "sell 1200 1 used camera".',
    quantity: `The quantity must be a whole number from 1 to ${QUANTITY_MAX}.`,
    name_too_long: `Product names have at most ${PRODUCT_NAME_MAX_CHARS} characters; please shorten it.`,
    total_too_large: 'The total is above the limit of one deal.',
  },
  walletActivationRequired: 'Enable your e-wallet before creating payment links: follow the activation message we sent, then try again.',
  sellerRefused: 'Sorry, this account cannot create payment links. Please contact support.',
  orderNotFound: 'We could not find this transaction.',
  notYourOrder: 'Only the buyer of this transaction can do that.',
  payHere: (url) => `Pay here: ${url}`,
  refused: (reason) => `Not done: ${reason}`,
};

export const CHAT_TEXTS: Record<Language, ChatTexts> = { 'zh-TW': zhTW, en };
