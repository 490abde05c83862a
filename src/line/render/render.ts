import type { messagingApi } from '@line/bot-sdk';
import type { DealMessage, DealMessageKind, ProductSummary } from '../../chat/messages';
import { formatMoney, type Currency } from '../../domain/money';
import { chargeTotalMinor, type DealFee } from '../../deal/fees';
import { reasonText } from '../../deal/reasons';
import { isMediaCode, watermarkUrl } from '../../media/params';
import { Card, CardButton, Fact, ProgressStep, actionOf, cardMessage } from './card';
import { DISPUTE_STRINGS } from './dispute-strings';
import { DEFAULT_LANGUAGE, Language, STRINGS, Strings, formatDateTime } from './i18n';
import { PostbackActionName, encodePostback } from './postback';

export interface RenderOptions {
  /**
   * Origin (and optional path) of our api, which serves /media/…. Without it the origin of the
   * message's own payment URL is used: the api that serves the payment page serves the media.
   */
  mediaBaseUrl?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface Context {
  s: Strings;
  language: Language;
  options: RenderOptions;
}

type Renderer<K extends DealMessageKind> = (message: Extract<DealMessage, { kind: K }>, ctx: Context) => messagingApi.Message;

/** One entry per kind: the compiler refuses a DealMessage kind without a rendering. */
const RENDERERS: { [K in DealMessageKind]: Renderer<K> } = {
  link_created: (m, { s }) =>
    cardMessage({
      tone: 'success',
      title: s.title.link_created,
      paragraphs: [s.body.linkCreated],
      facts: [
        ...productFacts(m.product, s),
        ...feeFacts(m.product, m.fee, s),
        { label: s.label.dynamicPassword, value: m.dynamicPassword, strong: true },
        codeFact(m.product.transactionCode, s),
      ],
      // The seller's own card: a way to share the link, no "Pay now" (a seller cannot pay their own link).
      buttons: [{ kind: 'copy', label: s.button.copyLink, text: `${m.paymentUrl}\n${s.label.dynamicPassword}: ${m.dynamicPassword}` }],
    }),

  wallet_activation_request: (m, { s }) =>
    cardMessage({
      tone: 'info',
      title: s.title.wallet_activation_request,
      paragraphs: [s.body.walletActivationRequest],
      facts: [{ label: s.label.verificationCode, value: m.verificationCode, strong: true }],
      buttons: [{ kind: 'uri', label: s.button.activateWallet, uri: m.activationUrl }],
    }),

  wallet_activated: (_m, { s }) => notice(s, 'wallet_activated', 'success', s.body.walletActivated),

  wallet_verification_failed: (m, { s }) =>
    notice(s, 'wallet_verification_failed', 'warning', s.body.walletVerificationFailed, [
      { label: s.label.attemptsLeft, value: String(m.attemptsLeft), strong: true },
    ]),

  wallet_locked: (m, { s, language }) =>
    notice(s, 'wallet_locked', 'danger', s.body.walletLocked, [
      { label: s.label.lockedUntil, value: formatDateTime(m.lockedUntil, language), strong: true },
    ]),

  wallet_invalidated: (_m, { s }) => notice(s, 'wallet_invalidated', 'danger', s.body.walletInvalidated),

  bind_request: (m, { s }) =>
    cardMessage({
      tone: 'info',
      title: s.title.bind_request,
      paragraphs: [s.body.bindRequest],
      buttons: [{ kind: 'uri', label: s.button.addFriend, uri: m.addFriendUrl }],
    }),

  watchlist_blocked: (m, { s }) => notice(s, 'watchlist_blocked', 'danger', s.body.watchlistBlocked, [codeFact(m.transactionCode, s)]),

  attribution_error: (m, { s }) =>
    notice(s, 'attribution_error', 'danger', s.body.attributionError, [
      codeFact(m.transactionCode, s),
      { label: s.label.attemptedBy, value: m.attemptedByName },
    ]),

  code_already_attributed: (m, { s }) =>
    notice(s, 'code_already_attributed', 'warning', s.body.codeAlreadyAttributed, [codeFact(m.transactionCode, s)]),

  pending_payment_info: (m, ctx) => {
    const { s } = ctx;
    const hero = watermarkHero(m.product, m.paymentUrl, ctx.options);
    return cardMessage({
      tone: 'info',
      title: s.title.pending_payment_info,
      ...(hero ? { hero } : {}),
      paragraphs: [s.body.pendingPayment],
      facts: [...productFacts(m.product, s), codeFact(m.product.transactionCode, s)],
      buttons: [{ kind: 'uri', label: s.button.payNow, uri: m.paymentUrl }],
    });
  },

  phone_binding_request: (m, { s }) =>
    cardMessage({
      tone: 'info',
      title: s.title.phone_binding_request,
      paragraphs: [s.body.phoneBindingRequest],
      buttons: [{ kind: 'uri', label: s.button.bindPhone, uri: m.bindUrl }],
    }),

  abnormal_binding: (m, { s }) =>
    cardMessage({ tone: 'danger', title: s.title.abnormal_binding, paragraphs: [s.abnormal[m.reason], s.body.abnormalBinding] }),

  // The account shown is the one the provider issued for this order (never one we make up); a
  // deal started before the hosted checkout shows the collection account it was given then.
  payment_info: (m, { s, language }) => {
    const account = m.virtualAccount;
    const accountFacts: Fact[] = account
      ? [
          { label: s.label.bankCode, value: account.bankCode },
          { label: s.label.virtualAccount, value: account.accountNumber, strong: true },
          { label: s.label.payBy, value: formatDateTime(account.expiresAt, language), strong: true },
        ]
      : m.paymentAccount !== undefined
        ? [{ label: s.label.paymentAccount, value: m.paymentAccount, strong: true }]
        : [];
    return cardMessage({
      tone: 'info',
      title: s.title.payment_info,
      paragraphs: [account ? s.body.paymentInfoHosted : m.paymentAccount !== undefined ? s.body.paymentInfo : s.body.paymentInfoCardOnly],
      facts: [
        { label: s.label.product, value: m.product.productName },
        { label: s.label.total, value: money(m.product.totalMinor, m.product), strong: m.fee === undefined },
        ...feeFacts(m.product, m.fee, s, 'buyer'),
        ...accountFacts,
        { label: s.label.verification, value: s.verification[m.verification] },
        codeFact(m.product.transactionCode, s),
      ],
      buttons: [{ kind: 'uri', label: s.button.payNow, uri: m.paymentUrl }],
    });
  },

  // A plain text: it shows whole in the notification and on every client, and is easy to copy.
  otp: (m, { s }) => ({
    type: 'text',
    text: `${s.brand}${s.otp({ otp: m.otp, validFor: s.duration(m.expiresInSeconds), transactionCode: m.transactionCode })}`,
    quickReply: {
      items: [{ type: 'action', action: actionOf(postbackButton('resend_otp', m.transactionCode, s.button.resendOtp, s.echo.resendOtp)) }],
    },
  }),

  payment_failed: (m, { s, language }) =>
    cardMessage({
      tone: 'danger',
      title: s.title.payment_failed,
      paragraphs: [s.body.paymentFailed],
      // The workflow's reason code, in the reader's language; the English text only for deals from before codes.
      facts: [
        { label: s.label.reason, value: m.reasonCode ? reasonText(m.reasonCode, language) : m.reason },
        codeFact(m.transactionCode, s),
      ],
      buttons: [postbackButton('resend_otp', m.transactionCode, s.button.resendOtp, s.echo.resendOtp)],
    }),

  payment_reminder: (m, { s }) =>
    cardMessage({
      tone: 'warning',
      title: s.title.payment_reminder,
      paragraphs: [s.body.paymentReminder],
      facts: [codeFact(m.transactionCode, s)],
      buttons: [{ kind: 'uri', label: s.button.payNow, uri: m.paymentUrl }],
    }),

  decision_extended: (m, { s, language }) =>
    notice(s, 'decision_extended', 'info', s.body.decisionExtended, [
      { label: s.label.decisionDeadline, value: formatDateTime(m.decisionDeadline, language), strong: true },
      codeFact(m.transactionCode, s),
    ]),

  order_expired: (m, { s }) => notice(s, 'order_expired', 'warning', s.body.orderExpired, [codeFact(m.transactionCode, s)]),

  link_expired: (m, { s }) =>
    notice(s, 'link_expired', 'warning', s.body.linkExpired({ period: s.period(m.expiredAfterMs ?? m.expiredAfterDays * DAY_MS) }), [
      { label: s.label.product, value: m.productName },
      codeFact(m.transactionCode, s),
    ]),

  // S203: the product photo the seller gave, watermarked as on the buyer's link card, is the
  // picture; the QR code (the deal, viewable through a code) stays below the facts, smaller.
  // Without a photo the QR code is the picture, as before.
  stage_one: (m, { s, language, options }) => {
    const hero = m.product.hasPhoto ? watermarkHero(m.product, m.progressUrl, options) : undefined;
    return cardMessage({
      tone: 'success',
      title: s.title.stage_one,
      ...(hero ? { hero } : {}),
      paragraphs: [s.body.stageOne],
      progress: progress(s, 'decision'),
      facts: [
        { label: s.label.product, value: m.product.productName },
        ...(m.product.description ? [{ label: s.label.description, value: m.product.description }] : []),
        { label: s.label.quantity, value: String(m.product.quantity) },
        { label: s.label.total, value: money(m.product.totalMinor, m.product), strong: true },
        { label: s.label.decisionDeadline, value: formatDateTime(m.decisionDeadline, language), strong: true },
        codeFact(m.product.transactionCode, s),
      ],
      image: hero
        ? { url: m.qrImageUrl, aspectRatio: '1:1', size: 'sm', caption: s.label.qrCaption }
        : { url: m.qrImageUrl, aspectRatio: '1:1' },
      // Agree and Dispute are the buyer's to press; the seller follows the deal.
      buttons: [
        ...(m.audience === 'seller'
          ? []
          : [
              postbackButton('agree', m.product.transactionCode, s.button.agree, s.echo.agree),
              postbackButton('dispute', m.product.transactionCode, s.button.dispute, s.echo.dispute),
              ...(m.extendable ? [postbackButton('extend', m.product.transactionCode, s.button.extend, s.echo.extend)] : []),
            ]),
        { kind: 'uri', label: s.button.viewProgress, uri: m.progressUrl },
      ],
    });
  },

  dispute_opened: (m, { s }) =>
    notice(s, 'dispute_opened', 'warning', s.body.disputeOpened, [
      { label: s.label.reason, value: m.reason },
      codeFact(m.transactionCode, s),
    ]),

  // A card, then quick replies: tapping a reason sends it as the party's own words.
  evidence_request: (m, { s, language }) => {
    const d = DISPUTE_STRINGS[language];
    const card = cardMessage({
      tone: 'warning',
      title: s.title.evidence_request,
      paragraphs: [m.role === 'buyer' ? d.askBuyer : d.askSeller, ...(m.note ? [`${d.fromSupport}: ${m.note}`] : [])],
      facts: [codeFact(m.transactionCode, s)],
    });
    if (!m.reasons) return card;
    return {
      ...card,
      quickReply: { items: d.reasons.map((reason) => ({ type: 'action', action: { type: 'message', label: reason, text: reason } })) },
    };
  },

  support_message: (m, { s }) =>
    cardMessage({ tone: 'info', title: s.title.support_message, paragraphs: [m.text], facts: [codeFact(m.transactionCode, s)] }),

  dispute_escalated: (m, { s }) => notice(s, 'dispute_escalated', 'danger', s.body.disputeEscalated, [codeFact(m.transactionCode, s)]),

  deal_parked: (m, { s }) =>
    notice(s, 'deal_parked', 'warning', s.body.dealParked, [
      { label: s.label.reason, value: s.parked[m.reason] },
      codeFact(m.transactionCode, s),
    ]),

  order_cancelled: (m, { s }) => notice(s, 'order_cancelled', 'warning', s.body.orderCancelled, [codeFact(m.transactionCode, s)]),

  stage_two: (m, { s, language, options }) =>
    cardMessage({
      tone: 'success',
      title: s.title.stage_two,
      paragraphs: [s.body.stageTwo],
      progress: progress(s, 'complete'),
      facts: [
        { label: s.label.product, value: m.product.productName },
        { label: s.label.total, value: money(m.product.totalMinor, m.product) },
        ...(m.feeMinor ? [{ label: s.label.platformFee, value: money(m.feeMinor, m.product) }] : []),
        { label: s.label.sellerPaid, value: money(m.sellerPaidMinor, m.product), strong: true },
        codeFact(m.product.transactionCode, s),
      ],
      buttons: walletButton(s, language, options),
    }),

  transaction_result: (m, { s, language }) =>
    cardMessage({
      tone: m.outcome === 'released' ? 'success' : 'info',
      title: s.title.transaction_result,
      paragraphs: [s.body.transactionResult, ...(m.note ? [`${DISPUTE_STRINGS[language].supportNote}: ${m.note}`] : [])],
      facts: [
        { label: s.label.outcome, value: s.outcome[m.outcome], strong: true },
        { label: s.label.product, value: m.product.productName },
        { label: s.label.total, value: money(m.product.totalMinor, m.product) },
        { label: s.label.sellerPaid, value: money(m.sellerPaidMinor, m.product) },
        { label: s.label.buyerRefunded, value: money(m.buyerRefundedMinor, m.product) },
        codeFact(m.product.transactionCode, s),
      ],
    }),

  quick_receive_code: (m, { s }) =>
    cardMessage({
      tone: 'success',
      title: s.title.quick_receive_code,
      paragraphs: [s.body.quickReceiveCode],
      facts: [
        { label: s.label.receivingCode, value: m.receivingCode, strong: true },
        { label: s.label.account, value: m.accountMasked },
      ],
      buttons: [{ kind: 'copy', label: s.button.copyCode, text: m.receivingCode }],
    }),

  quick_receive_failed: (m, { s }) =>
    notice(s, 'quick_receive_failed', 'danger', s.body.quickReceiveFailed, [{ label: s.label.reason, value: m.reason }]),

  payout_sent: (m, { s, language, options }) =>
    cardMessage({
      tone: 'success',
      title: s.title.payout_sent,
      paragraphs: [s.body.payoutSent],
      facts: [
        { label: s.label.amount, value: formatMoney(m.amountMinor, m.currency), strong: true },
        { label: s.label.account, value: m.accountMasked },
      ],
      buttons: walletButton(s, language, options),
    }),

  payout_held: (_m, { s }) => notice(s, 'payout_held', 'warning', s.body.payoutHeld),

  payout_failed: (m, { s, language, options }) =>
    cardMessage({
      tone: 'danger',
      title: s.title.payout_failed,
      paragraphs: [s.body.payoutFailed],
      facts: [
        { label: s.label.amount, value: formatMoney(m.amountMinor, m.currency), strong: true },
        { label: s.label.reason, value: m.reason },
      ],
      buttons: walletButton(s, language, options),
    }),
};

/**
 * S204: the question the chat asks before an agreement is sent: releasing cannot be undone, so
 * the buyer confirms with a second tap (a quick reply).
 */
export function confirmAgreeMessage(
  deal: { amountMinor: number; currency: Currency; transactionCode: string },
  language: Language = DEFAULT_LANGUAGE,
): messagingApi.TextMessage {
  const s = STRINGS[language];
  const confirm = postbackButton('confirm_agree', deal.transactionCode, s.button.confirmAgree, s.echo.confirmAgree);
  return {
    type: 'text',
    text: `${s.brand}${s.confirmAgree({ amount: formatMoney(deal.amountMinor, deal.currency), transactionCode: deal.transactionCode })}`,
    quickReply: { items: [{ type: 'action', action: actionOf(confirm) }] },
  };
}

/**
 * The LINE messages for one deal message, in the user's language. Pure: the same input gives
 * the same JSON, which is what lets a retried push reuse its retry key.
 */
export function renderDealMessage(
  message: DealMessage,
  language: Language = DEFAULT_LANGUAGE,
  options: RenderOptions = {},
): messagingApi.Message[] {
  const render = RENDERERS[message.kind] as Renderer<DealMessageKind>;
  return [render(message as never, { s: STRINGS[language], language, options })];
}

// ---------------------------------------------------------------- shared pieces

/** A card that only informs: title, one paragraph, optional facts, no buttons. */
function notice(s: Strings, kind: DealMessageKind, tone: Card['tone'], paragraph: string, facts: Fact[] = []): messagingApi.FlexMessage {
  return cardMessage({ tone, title: s.title[kind], paragraphs: [paragraph], facts });
}

function codeFact(code: string, s: Strings): Fact {
  return { label: s.label.transactionCode, value: code, strong: true };
}

function money(amountMinor: number, product: ProductSummary): string {
  return formatMoney(amountMinor, product.currency);
}

/**
 * The platform fee before paying: the fee and who pays it; to the seller what they receive, to
 * the buyer what is due (the total plus the fee when the buyer pays it). Nothing when there is no fee.
 */
function feeFacts(product: ProductSummary, fee: DealFee | undefined, s: Strings, audience: 'seller' | 'buyer' = 'seller'): Fact[] {
  if (fee === undefined || fee.feeMinor === 0) return [];
  const facts: Fact[] = [
    { label: s.label.platformFee, value: money(fee.feeMinor, product) },
    { label: s.label.feePaidBy, value: s.feePayer[fee.payer] },
  ];
  if (audience === 'seller') {
    const receives = fee.payer === 'seller' ? product.totalMinor - fee.feeMinor : product.totalMinor;
    facts.push({ label: s.label.sellerReceives, value: money(receives, product), strong: true });
  } else {
    facts.push({ label: s.label.amountDue, value: money(chargeTotalMinor(product.totalMinor, fee), product), strong: true });
  }
  return facts;
}

function productFacts(product: ProductSummary, s: Strings): Fact[] {
  return [
    { label: s.label.product, value: product.productName },
    { label: s.label.unitPrice, value: money(product.unitPriceMinor, product) },
    { label: s.label.quantity, value: String(product.quantity) },
    { label: s.label.total, value: money(product.totalMinor, product), strong: true },
  ];
}

/** Escrow stages (S203/S207): stage one is done once we hold the money. */
function progress(s: Strings, at: 'decision' | 'complete'): ProgressStep[] {
  return [
    { label: s.progress.stageOne, state: 'done' },
    { label: s.progress.decision, state: at === 'decision' ? 'current' : 'done' },
    { label: s.progress.stageTwo, state: at === 'complete' ? 'done' : 'todo' },
  ];
}

function postbackButton(action: PostbackActionName, transactionCode: string, label: string, displayText: string): CardButton {
  return { kind: 'postback', label, data: encodePostback({ action, transactionCode }), displayText };
}

/**
 * S107's picture (and stage one's, when the seller gave a photo), watermarked with the
 * transaction code so a screenshot cannot be reused for another deal. The media are served by
 * the api that serves our pages, so a page URL of the message gives their origin when no base is
 * configured. Left out rather than broken when no media URL can be made for it.
 */
function watermarkHero(product: ProductSummary, pageUrl: string, options: RenderOptions): Card['hero'] {
  if (!isMediaCode(product.transactionCode)) return undefined;
  const base = options.mediaBaseUrl ?? originOf(pageUrl);
  if (!base) return undefined;
  return { url: watermarkUrl(base, product.transactionCode, product.productName), aspectRatio: '1:1' };
}

/**
 * Stage two and payouts point at the wallet page (balance, movements, withdraw), served by the
 * same api as the media; none when we do not know where that is.
 */
function walletButton(s: Strings, language: Language, options: RenderOptions): CardButton[] {
  if (!options.mediaBaseUrl) return [];
  const url = new URL('/pages/wallet', options.mediaBaseUrl);
  if (language === 'en') url.searchParams.set('lang', 'en');
  return [{ kind: 'uri', label: s.button.myWallet, uri: url.toString() }];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
