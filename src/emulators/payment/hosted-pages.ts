/**
 * The pages a buyer sees at the emulated provider: the hosted card form (with the virtual account
 * when ATM was asked for), the 3-D-Secure-like challenge of the emulated issuer, and the end of a
 * session. Plain server-rendered HTML, no script; a success goes back to the merchant's
 * `returnUrl` with `session_id`, as Stripe Checkout does.
 */
import express, { type Response, type Router } from 'express';
import { CURRENCY_MINOR_DIGITS } from '../provider-conventions';
import { TEST_CARDS, type CheckoutLanguage, type CheckoutSession } from './contract';
import { HOSTED_PATH_PREFIX, answerChallenge, findSession, payByCard, receiveTransfer } from './checkout';
import type { PaymentEmulatorState, SessionRecord } from './state';

const FORM_BODY_LIMIT = '8kb';

const TEXT = {
  'zh-TW': {
    title: '付款',
    provider: '付款服務(模擬)',
    amount: '應付金額',
    description: '付款內容',
    expires: '付款期限',
    cardHeading: '信用卡付款',
    cardNumber: '卡號',
    expiry: '有效期限(MM/YY)',
    cvc: '安全碼',
    pay: '付款',
    testCards: '測試卡號',
    testCardSucceeds: '付款成功',
    testCardDeclined: '卡片遭拒',
    testCardInsufficient: '額度不足',
    testCardChallenge: '需要 3D 驗證',
    atmHeading: 'ATM 轉帳',
    atmHint: '請在期限前於 ATM 或網路銀行轉帳剛好的金額到以下虛擬帳號。',
    bankCode: '銀行代碼',
    account: '虛擬帳號',
    atmSimulate: '模擬 ATM 轉帳(僅模擬器)',
    atmAmount: '轉帳金額',
    atmSend: '轉帳',
    challengeTitle: '3D 驗證',
    challengeHint: '您的發卡銀行已用簡訊傳送一次性密碼到您的手機。',
    challengeSms: '模擬簡訊:您的一次性密碼是',
    challengeCode: '一次性密碼',
    challengeSubmit: '驗證',
    challengeWrong: '一次性密碼錯誤,還可以再試 {n} 次。',
    back: '回到商店',
    failed: '付款未成功:{reason}',
    complete: '此筆付款已完成。',
    expired: '此付款頁面已過期。',
    received: '已收到您的轉帳 {amount}。',
    invalidCard: '請輸入測試卡號(見下方)。',
    invalidNumber: '卡號格式不正確。',
    invalidExpiry: '請輸入未過期的有效期限,例如 12/34。',
    invalidCvc: '安全碼是 3 或 4 位數字。',
    invalidAmount: '請輸入正整數金額。',
    notFound: '找不到此付款頁面。',
  },
  en: {
    title: 'Payment',
    provider: 'Payment service (emulated)',
    amount: 'Amount due',
    description: 'For',
    expires: 'Pay by',
    cardHeading: 'Pay by card',
    cardNumber: 'Card number',
    expiry: 'Expiry (MM/YY)',
    cvc: 'Security code',
    pay: 'Pay',
    testCards: 'Test cards',
    testCardSucceeds: 'succeeds',
    testCardDeclined: 'declined',
    testCardInsufficient: 'insufficient funds',
    testCardChallenge: '3-D Secure challenge',
    atmHeading: 'ATM transfer',
    atmHint: 'Transfer exactly this amount to the virtual account below at an ATM or in online banking before the deadline.',
    bankCode: 'Bank code',
    account: 'Virtual account',
    atmSimulate: 'Simulate an ATM transfer (emulator only)',
    atmAmount: 'Amount transferred',
    atmSend: 'Transfer',
    challengeTitle: '3-D Secure',
    challengeHint: 'Your card issuer has texted a one-time code to your phone.',
    challengeSms: 'Emulated text message: your one-time code is',
    challengeCode: 'One-time code',
    challengeSubmit: 'Verify',
    challengeWrong: 'Wrong one-time code; {n} tries left.',
    back: 'Back to the shop',
    failed: 'The payment did not go through: {reason}',
    complete: 'This payment is complete.',
    expired: 'This payment page has expired.',
    received: 'Your transfer of {amount} has arrived.',
    invalidCard: 'Use one of the test cards below.',
    invalidNumber: 'That is not a card number.',
    invalidExpiry: 'Enter an expiry that has not passed, such as 12/34.',
    invalidCvc: 'The security code is 3 or 4 digits.',
    invalidAmount: 'Enter a whole positive amount.',
    notFound: 'There is no such payment page.',
  },
} as const;
type Key = keyof (typeof TEXT)['en'];
type Tr = (key: Key, vars?: Record<string, string | number>) => string;

function translator(lang: CheckoutLanguage): Tr {
  return (key, vars = {}) => TEXT[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function money(amountMinor: number, currency: CheckoutSession['currency']): string {
  const digits = CURRENCY_MINOR_DIGITS[currency];
  return `${currency} ${(amountMinor / 10 ** digits).toFixed(digits)}`;
}

/** Taiwan's providers state deadlines in Taiwan time. */
function deadline(session: CheckoutSession): string {
  const format = new Intl.DateTimeFormat(session.language, {
    timeZone: 'Asia/Taipei',
    dateStyle: 'medium',
    timeStyle: 'short',
    hour12: false,
  });
  return `${format.format(new Date(session.expiresAt * 1000))} (UTC+8)`;
}

/** The buyer's return link: the merchant's URL with the session id, whatever query it had. */
export function returnHref(record: SessionRecord): string {
  const url = new URL(record.returnUrl);
  url.searchParams.set('session_id', record.session.id);
  return url.toString();
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:30rem;padding:1rem;color:#1b1b1b}
header{font-size:.85rem;color:#555}h1{font-size:1.4rem}section{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}
label{display:block;font-weight:600;margin-top:.75rem}input{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #777;border-radius:.3rem}
button,.button{display:inline-block;font:inherit;margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:.3rem;background:#0b5;color:#fff;text-decoration:none}
.error{color:#b00020}.sms{background:#f4f4f4;padding:.5rem;font-family:monospace;font-size:1.1rem}dl div{display:flex;gap:.5rem}dt{font-weight:600}`;

function page(res: Response, status: number, lang: CheckoutLanguage, title: string, body: string): void {
  res.status(status).set({
    'Content-Type': 'text/html; charset=utf-8',
    // No script at all; the form posts here and the redirect after it may go to any merchant.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  }).send(`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header>${escapeHtml(TEXT[lang].provider)}</header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

function field(name: string, label: string, attrs: string, error?: string, value = ''): string {
  const describedBy = error ? ` aria-invalid="true" aria-describedby="${name}-error"` : '';
  return `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" value="${escapeHtml(value)}" ${attrs}${describedBy}>${
    error ? `<p class="error" id="${name}-error">${escapeHtml(error)}</p>` : ''
  }`;
}

function summary(session: CheckoutSession, t: Tr): string {
  return `<dl><div><dt>${t('description')}</dt><dd id="description">${escapeHtml(session.description)}</dd></div>
<div><dt>${t('amount')}</dt><dd id="amount">${money(session.amountMinor, session.currency)}</dd></div>
<div><dt>${t('expires')}</dt><dd id="expires">${deadline(session)}</dd></div></dl>`;
}

type CardErrors = Partial<Record<'cardNumber' | 'expiry' | 'cvc', string>>;

function cardSection(record: SessionRecord, t: Tr, errors: CardErrors = {}, values: Record<string, string> = {}): string {
  const { session } = record;
  const label = { succeed: t('testCardSucceeds'), challenge: t('testCardChallenge') } as const;
  const cards = Object.entries(TEST_CARDS)
    .map(([number, outcome]) => {
      const what =
        outcome.kind === 'fail'
          ? outcome.code === 'insufficient_funds'
            ? t('testCardInsufficient')
            : t('testCardDeclined')
          : label[outcome.kind];
      return `<li><code>${number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code> ${escapeHtml(what)}</li>`;
    })
    .join('');
  return `<section aria-labelledby="card-heading"><h2 id="card-heading">${t('cardHeading')}</h2>
<form method="post" action="${HOSTED_PATH_PREFIX}/${session.id}/card" novalidate>
${field('cardNumber', t('cardNumber'), 'inputmode="numeric" autocomplete="cc-number"', errors.cardNumber, values.cardNumber)}
${field('expiry', t('expiry'), 'autocomplete="cc-exp" placeholder="MM/YY"', errors.expiry, values.expiry)}
${field('cvc', t('cvc'), 'inputmode="numeric" autocomplete="cc-csc"', errors.cvc, values.cvc)}
<button type="submit">${t('pay')} ${money(session.amountMinor, session.currency)}</button></form>
<details><summary>${t('testCards')}</summary><ul>${cards}</ul></details></section>`;
}

function atmSection(record: SessionRecord, t: Tr, error?: string): string {
  const account = record.session.virtualAccount;
  if (!account) return '';
  return `<section aria-labelledby="atm-heading"><h2 id="atm-heading">${t('atmHeading')}</h2><p>${t('atmHint')}</p>
<dl><div><dt>${t('bankCode')}</dt><dd id="bank-code">${account.bankCode}</dd></div>
<div><dt>${t('account')}</dt><dd id="virtual-account">${account.accountNumber}</dd></div>
<div><dt>${t('amount')}</dt><dd>${money(account.amountMinor, account.currency)}</dd></div></dl>
<form method="post" action="${HOSTED_PATH_PREFIX}/${record.session.id}/atm-transfer" novalidate><h3>${t('atmSimulate')}</h3>
${field('amountMinor', t('atmAmount'), 'inputmode="numeric"', error, String(account.amountMinor))}
<button type="submit">${t('atmSend')}</button></form></section>`;
}

function checkoutPage(
  res: Response,
  state: PaymentEmulatorState,
  status: number,
  record: SessionRecord,
  parts: { cardErrors?: CardErrors; values?: Record<string, string>; atmError?: string } = {},
): void {
  const { session } = record;
  const t = translator(session.language);
  if (session.status !== 'open') return endPage(res, state, record, status);
  const card = session.paymentMethods.includes('card') ? cardSection(record, t, parts.cardErrors, parts.values) : '';
  page(res, status, session.language, t('title'), `${summary(session, t)}${card}${atmSection(record, t, parts.atmError)}`);
}

/** A session that has ended: why, and the way back to the merchant. */
function endPage(res: Response, state: PaymentEmulatorState, record: SessionRecord, status = 200): void {
  const { session } = record;
  const t = translator(session.language);
  const charge = session.chargeId === undefined ? undefined : state.charges.get(session.chargeId)?.charge;
  const message =
    session.status === 'expired'
      ? t('expired')
      : session.status === 'failed'
        ? t('failed', { reason: charge?.failureMessage ?? '' })
        : charge?.paymentSourceType === 'bank_transfer'
          ? t('received', { amount: money(charge.amountMinor, charge.currency) })
          : t('complete');
  page(
    res,
    status,
    session.language,
    t('title'),
    `<p id="outcome" role="status">${escapeHtml(message)}</p><a class="button" id="back" href="${escapeHtml(returnHref(record))}">${t('back')}</a>`,
  );
}

function notFound(res: Response): void {
  page(res, 404, 'zh-TW', TEXT['zh-TW'].notFound, `<p lang="en">${TEXT.en.notFound}</p>`);
}

function twoDigitYearToFull(yy: number, nowYear: number): number {
  return Math.floor(nowYear / 100) * 100 + yy;
}

function readCardForm(
  body: Record<string, unknown>,
  nowSeconds: number,
  t: Tr,
): { cardNumber?: string; errors: CardErrors; values: Record<string, string> } {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const values = { cardNumber: text('cardNumber'), expiry: text('expiry'), cvc: text('cvc') };
  const errors: CardErrors = {};
  const digits = values.cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) errors.cardNumber = t('invalidNumber');
  else if (!TEST_CARDS[digits]) errors.cardNumber = t('invalidCard');
  const expiry = /^(0[1-9]|1[0-2])\s*\/\s*(\d{2})$/.exec(values.expiry);
  const now = new Date(nowSeconds * 1000);
  if (!expiry) errors.expiry = t('invalidExpiry');
  else {
    const year = twoDigitYearToFull(Number(expiry[2]), now.getUTCFullYear());
    if (year * 12 + Number(expiry[1]) < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) errors.expiry = t('invalidExpiry');
  }
  if (!/^\d{3,4}$/.test(values.cvc)) errors.cvc = t('invalidCvc');
  return { cardNumber: Object.keys(errors).length === 0 ? digits : undefined, errors, values };
}

export function hostedPageRoutes(state: PaymentEmulatorState): (app: Router) => void {
  return (app) => {
    const form = express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT });
    const withSession = (id: string, res: Response): SessionRecord | undefined => {
      const record = findSession(state, id);
      if (!record) notFound(res);
      return record;
    };

    app.get(`${HOSTED_PATH_PREFIX}/:id`, (req, res) => {
      const record = withSession(req.params.id, res);
      if (record) checkoutPage(res, state, 200, record);
    });

    app.post(`${HOSTED_PATH_PREFIX}/:id/card`, form, (req, res) => {
      const record = withSession(req.params.id, res);
      if (!record) return;
      if (record.session.status !== 'open' || !record.session.paymentMethods.includes('card')) return checkoutPage(res, state, 409, record);
      const t = translator(record.session.language);
      const read = readCardForm((req.body ?? {}) as Record<string, unknown>, state.clock.nowSeconds(), t);
      if (!read.cardNumber) return checkoutPage(res, state, 422, record, { cardErrors: read.errors, values: read.values });
      const result = payByCard(state, record, read.cardNumber);
      if (result.kind === 'challenge') return void res.redirect(303, `${HOSTED_PATH_PREFIX}/${record.session.id}/challenge`);
      if (result.kind === 'decided' && result.succeeded) return void res.redirect(303, returnHref(record));
      checkoutPage(res, state, result.kind === 'decided' ? 200 : 409, record);
    });

    app.get(`${HOSTED_PATH_PREFIX}/:id/challenge`, (req, res) => {
      const record = withSession(req.params.id, res);
      if (record) challengePage(res, state, 200, record);
    });

    app.post(`${HOSTED_PATH_PREFIX}/:id/challenge`, form, (req, res) => {
      const record = withSession(req.params.id, res);
      if (!record) return;
      const code = typeof req.body?.code === 'string' ? req.body.code.trim() : '';
      const result = answerChallenge(state, record, code);
      if (result.kind === 'wrong') return challengePage(res, state, 422, record, result.attemptsLeft);
      if (result.kind === 'decided' && result.succeeded) return void res.redirect(303, returnHref(record));
      checkoutPage(res, state, result.kind === 'decided' ? 200 : 409, record);
    });

    app.post(`${HOSTED_PATH_PREFIX}/:id/atm-transfer`, form, (req, res) => {
      const record = withSession(req.params.id, res);
      if (!record) return;
      const account = record.session.virtualAccount;
      const raw = typeof req.body?.amountMinor === 'string' ? req.body.amountMinor.trim() : '';
      if (!account) return checkoutPage(res, state, 409, record);
      if (!/^[1-9]\d{0,14}$/.test(raw))
        return checkoutPage(res, state, 422, record, { atmError: translator(record.session.language)('invalidAmount') });
      const answer = receiveTransfer(state, account.accountNumber, Number(raw));
      endPage(res, state, record, answer.status === 201 ? 200 : answer.status);
    });
  };
}

function challengePage(res: Response, state: PaymentEmulatorState, status: number, record: SessionRecord, attemptsLeft?: number): void {
  const { session, challenge } = record;
  const t = translator(session.language);
  if (session.status !== 'open' || !challenge) return checkoutPage(res, state, status === 200 ? 200 : 409, record);
  const error = attemptsLeft === undefined ? undefined : t('challengeWrong', { n: attemptsLeft });
  page(
    res,
    status,
    session.language,
    t('challengeTitle'),
    `${summary(session, t)}<p>${t('challengeHint')}</p>
<p class="sms" id="issuer-sms">${t('challengeSms')} <strong id="one-time-code">${challenge.code}</strong></p>
<form method="post" action="${HOSTED_PATH_PREFIX}/${session.id}/challenge" novalidate>
${field('code', t('challengeCode'), 'inputmode="numeric" autocomplete="one-time-code"', error)}
<button type="submit">${t('challengeSubmit')}</button></form>`,
  );
}
