import type { Language } from '../render';

/**
 * What the chat menu answers: my deals, the wallet, withdrawing, the language switch, codes typed
 * into the chat, stickers, pictures and anything we did not understand. One table per language;
 * the compiler refuses a table that forgets an answer. Amounts arrive formatted.
 */
export interface MenuTexts {
  /** Quick-reply labels (at most 20 characters, LINE's limit). */
  quick: { sell: string; myDeals: string; wallet: string; withdraw: string; help: string; otherLanguage: string };
  notUnderstood: string;
  sticker: string;
  otherMedia: string;
  chooseLanguage: string;
  languageSet: string;
  verificationCodeTyped: string;
  verificationCodeWhere: { payment: string; wallet: string; phone: string; nowhere: string };
  openPayment: string;
  openWallet: string;
  openPhone: string;
  transactionFound(code: string, state: string, role: string): string;
  transactionNotFound(code: string): string;
  openDeal: string;
  myDealsTitle: string;
  myDealsNone: string;
  myDealsMore(count: number): string;
  openMyDeals: string;
  dealLine(code: string, product: string, total: string, state: string): string;
  walletTitle: string;
  walletInactive: string;
  walletEmpty: string;
  walletLine(currency: string, available: string, held: string, withdrawing: string): string;
  withdrawButton(amount: string): string;
  withdrawNothing: string;
  withdrawNeedsBank: string;
  registerBank: string;
  withdrawStarted(amount: string): string;
  withdrawRefused(detail: string): string;
  cancelNothing: string;
  cancelChoose: string;
  cancelButton(code: string): string;
  cancelled(code: string): string;
  cancelRefused(code: string): string;
  state: Record<string, string>;
  role: { seller: string; buyer: string };
  chooseCurrency(name: string, price: string, quantity: number): string;
  currencyLabel: Record<'TWD' | 'JPY' | 'THB' | 'USD', string>;
  photoAdded: string;
  descriptionAdded: string;
  photoWithoutSale: string;
  photoUnusable: string;
  saleWaitsForWallet: string;
  noSaleToPrice: string;
  priceTooLarge: string;
}

const zhTW: MenuTexts = {
  quick: { sell: '賣東西', myDeals: '我的交易', wallet: '我的錢包', withdraw: '提領', help: '說明', otherLanguage: 'English' },
  notUnderstood: '抱歉,我看不懂這則訊息。請選擇想做的事:',
  sticker: '謝謝您的貼圖!想做什麼呢?',
  otherMedia: '這類訊息我們無法處理。想做什麼呢?',
  chooseLanguage: '請選擇語言 / Choose a language',
  languageSet: '已切換為繁體中文。',
  verificationCodeTyped: '驗證碼請不要傳到聊天室,請輸入在要求驗證碼的頁面。',
  verificationCodeWhere: {
    payment: '您有一筆交易正在等待付款驗證碼,請在付款頁面輸入。',
    wallet: '您的電子錢包正在等待啟用驗證碼,請在錢包頁面輸入。',
    phone: '手機綁定的簡訊驗證碼請在手機綁定頁面輸入。',
    nowhere: '目前沒有等待驗證碼的步驟;驗證碼可能已過期,請回到原本的頁面重新取得。',
  },
  openPayment: '開啟付款頁面',
  openWallet: '開啟錢包頁面',
  openPhone: '開啟手機綁定',
  transactionFound: (code, state, role) => `交易 ${code}(您是${role}):${state}`,
  transactionNotFound: (code) => `找不到您參與的交易 ${code}。請確認交易碼是否正確。`,
  openDeal: '查看交易',
  myDealsTitle: '我的交易',
  myDealsNone: '您還沒有任何交易。輸入「賣 <價格> <數量> <品名>」建立第一個付款連結。',
  myDealsMore: (count) => `還有 ${count} 筆,請開啟交易列表查看。`,
  openMyDeals: '開啟交易列表',
  dealLine: (code, product, total, state) => `${code}・${product}・${total}・${state}`,
  walletTitle: '我的電子錢包',
  walletInactive: '您的電子錢包尚未啟用。第一次賣東西時,我們會引導您啟用。',
  walletEmpty: '目前沒有餘額。買方同意撥款後,貨款會進入這裡。',
  walletLine: (currency, available, held, withdrawing) => `${currency}:可提領 ${available}・保管中 ${held}・提領中 ${withdrawing}`,
  withdrawButton: (amount) => `提領 ${amount}`,
  withdrawNothing: '目前沒有可提領的餘額。',
  withdrawNeedsBank: '提領前請先登記並驗證您的銀行帳戶(快速收款)。',
  registerBank: '登記銀行帳戶',
  withdrawStarted: (amount) => `已開始提領 ${amount} 到您的銀行帳戶,完成後會通知您。`,
  withdrawRefused: (detail) => `無法提領:${detail}`,
  cancelNothing: '您沒有可以取消的付款連結(已有買方付款的交易無法取消)。',
  cancelChoose: '要取消哪一個付款連結?',
  cancelButton: (code) => `取消 ${code}`,
  cancelled: (code) => `已取消付款連結 ${code}。`,
  cancelRefused: (code) => `付款連結 ${code} 已無法取消(可能已有買方付款,或已結束)。`,
  state: {
    awaiting_buyer: '等待買方',
    awaiting_payment: '等待付款',
    awaiting_otp: '等待付款驗證',
    payment_pending: '付款處理中',
    escrow: '款項保管中',
    disputed: '爭議處理中',
    settling: '撥款中',
    completed: '已完成',
    refunded: '已退款',
    expired: '已過期',
    cancelled: '已取消',
    parked: '客服確認中',
  },
  role: { seller: '賣方', buyer: '買方' },
  chooseCurrency: (name, price, quantity) =>
    `「${name}」單價 ${price}、數量 ${quantity}。請選擇幣別,就會建立付款連結。\n想讓買方看到商品照片或說明,請先傳一張照片或一段文字說明,再選幣別。`,
  currencyLabel: { TWD: '新台幣 TWD', JPY: '日圓 JPY', THB: '泰銖 THB', USD: '美元 USD' },
  photoAdded: '已加入商品照片(買方看到的照片會加上交易浮水印)。請選擇幣別:',
  descriptionAdded: '已加入商品說明。請選擇幣別:',
  photoWithoutSale: '要替商品加照片,請先輸入「賣 <價格> <數量> <品名>」,再傳照片。',
  photoUnusable: '這張照片無法使用(只接受 JPEG 或 PNG,10 MB 以內),請換一張再試。',
  saleWaitsForWallet: '請先依照我們傳送的訊息啟用電子錢包;啟用完成後,付款連結會自動建立,不用再輸入一次。',
  noSaleToPrice: '沒有等待選擇幣別的商品,請先輸入「賣 <價格> <數量> <品名>」。',
  priceTooLarge: '以這個幣別計算,總金額超過單筆交易上限。',
};

const en: MenuTexts = {
  quick: { sell: 'Sell', myDeals: 'My deals', wallet: 'Wallet', withdraw: 'Withdraw', help: 'Help', otherLanguage: '中文' },
  notUnderstood: "Sorry, I didn't understand that. What would you like to do?",
  sticker: 'Thanks for the sticker! What would you like to do?',
  otherMedia: "We can't use this kind of message. What would you like to do?",
  chooseLanguage: '請選擇語言 / Choose a language',
  languageSet: 'Language set to English.',
  verificationCodeTyped: "Please don't send verification codes in the chat: enter them on the page that asked for them.",
  verificationCodeWhere: {
    payment: 'A deal of yours is waiting for its payment code: enter it on the payment page.',
    wallet: 'Your e-wallet is waiting for its activation code: enter it on the wallet page.',
    phone: 'Enter the texted phone code on the phone page.',
    nowhere: 'Nothing is waiting for a code right now; it may have expired. Go back to the page you were on to get a new one.',
  },
  openPayment: 'Open payment page',
  openWallet: 'Open wallet',
  openPhone: 'Open phone page',
  transactionFound: (code, state, role) => `Deal ${code} (you are the ${role}): ${state}`,
  transactionNotFound: (code) => `We found no deal ${code} of yours. Please check the code.`,
  openDeal: 'View deal',
  myDealsTitle: 'My deals',
  myDealsNone: 'You have no deals yet. Type "sell <price> <qty> <name>" to create your first payment link.',
  myDealsMore: (count) => `${count} more: open the list to see them.`,
  openMyDeals: 'Open my deals',
  dealLine: (code, product, total, state) => `${code} · ${product} · ${total} · ${state}`,
  walletTitle: 'My e-wallet',
  walletInactive: 'Your e-wallet is not active yet. We guide you through activating it on your first sale.',
  walletEmpty: 'No balance yet. When a buyer agrees, the payment arrives here.',
  walletLine: (currency, available, held, withdrawing) => `${currency}: available ${available} · held ${held} · withdrawing ${withdrawing}`,
  withdrawButton: (amount) => `Withdraw ${amount}`,
  withdrawNothing: 'There is nothing to withdraw right now.',
  withdrawNeedsBank: 'Register and verify your bank account (quick receive) before withdrawing.',
  registerBank: 'Register bank account',
  withdrawStarted: (amount) => `Withdrawing ${amount} to your bank account; we will tell you when it is done.`,
  withdrawRefused: (detail) => `Not withdrawn: ${detail}`,
  cancelNothing: 'You have no payment link to cancel (a link a buyer has paid cannot be cancelled).',
  cancelChoose: 'Which payment link do you want to cancel?',
  cancelButton: (code) => `Cancel ${code}`,
  cancelled: (code) => `Payment link ${code} is cancelled.`,
  cancelRefused: (code) => `Payment link ${code} can no longer be cancelled (a buyer may have paid, or it has ended).`,
  state: {
    awaiting_buyer: 'waiting for a buyer',
    awaiting_payment: 'waiting for payment',
    awaiting_otp: 'waiting for payment code',
    payment_pending: 'payment in progress',
    escrow: 'money held in escrow',
    disputed: 'in dispute',
    settling: 'paying out',
    completed: 'completed',
    refunded: 'refunded',
    expired: 'expired',
    cancelled: 'cancelled',
    parked: 'being checked by support',
  },
  role: { seller: 'seller', buyer: 'buyer' },
  chooseCurrency: (name, price, quantity) =>
    `"${name}": unit price ${price}, quantity ${quantity}. Choose the currency and we create the payment link.\nTo show buyers a photo or a description, send a photo or a line of text first, then choose.`,
  currencyLabel: { TWD: 'TWD (NT$)', JPY: 'JPY (¥)', THB: 'THB (฿)', USD: 'USD (US$)' },
  photoAdded: 'Photo added (buyers see it with our transaction watermark). Choose the currency:',
  descriptionAdded: 'Description added. Choose the currency:',
  photoWithoutSale: 'To add a photo to a sale, type "sell <price> <qty> <name>" first, then send the photo.',
  photoUnusable: 'We cannot use this photo (JPEG or PNG up to 10 MB only); please send another.',
  saleWaitsForWallet:
    'Activate your e-wallet with the message we sent; your payment link is created as soon as it is active, no need to type sell again.',
  noSaleToPrice: 'No sale is waiting for its currency; type "sell <price> <qty> <name>" first.',
  priceTooLarge: 'In this currency the total is above the limit of one deal.',
};

export const MENU_TEXTS: Record<Language, MenuTexts> = { 'zh-TW': zhTW, en };

/** A state we have no word for (a newer workflow) is shown as it is rather than hidden. */
export function stateText(texts: MenuTexts, state: string): string {
  return texts.state[state] ?? state;
}
