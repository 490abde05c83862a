import type { DealMessage, DealMessageKind } from '../../chat/messages';
import type { ParkReason } from '../../../workflows/order-messages';

/**
 * Every word the LINE renderer shows, one table per language. The renderer is written once
 * against `Strings`; adding a language is adding a table, and the compiler refuses a table
 * that forgets a message kind or a label.
 */
export const LANGUAGES = ['zh-TW', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
/** Taiwan first: the specification and our first users are Taiwanese. */
export const DEFAULT_LANGUAGE: Language = 'zh-TW';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

type Outcome = Extract<DealMessage, { kind: 'transaction_result' }>['outcome'];
type AbnormalReason = Extract<DealMessage, { kind: 'abnormal_binding' }>['reason'];
type Verification = Extract<DealMessage, { kind: 'payment_info' }>['verification'];
type FeePayer = 'seller' | 'buyer';

export interface Strings {
  /** BCP 47 tag for dates and numbers. */
  locale: string;
  /** Sender shown before plain texts, so an OTP cannot be mistaken for a chat line. */
  brand: string;
  title: Record<DealMessageKind, string>;
  label: {
    transactionCode: string;
    amountDue: string;
    product: string;
    description: string;
    unitPrice: string;
    quantity: string;
    total: string;
    paymentAccount: string;
    bankCode: string;
    virtualAccount: string;
    payBy: string;
    platformFee: string;
    sellerReceives: string;
    feePaidBy: string;
    verification: string;
    decisionDeadline: string;
    reason: string;
    amount: string;
    account: string;
    receivingCode: string;
    dynamicPassword: string;
    verificationCode: string;
    attemptedBy: string;
    attemptsLeft: string;
    lockedUntil: string;
    outcome: string;
    sellerPaid: string;
    buyerRefunded: string;
    /** Under the small QR code of a card whose picture is the product photo (S203: viewable through a QR code). */
    qrCaption: string;
  };
  /** Button labels: at most 20 characters (LINE's label limit). */
  button: {
    payNow: string;
    agree: string;
    confirmAgree: string;
    extend: string;
    dispute: string;
    viewProgress: string;
    addFriend: string;
    bindPhone: string;
    activateWallet: string;
    resendOtp: string;
    copyLink: string;
    copyCode: string;
    myWallet: string;
  };
  /** What the chat shows as the user's own line after tapping a postback button. */
  echo: { agree: string; confirmAgree: string; dispute: string; extend: string; resendOtp: string };
  /** The question before an agreement is sent (S204): releasing cannot be undone. */
  confirmAgree(p: { amount: string; transactionCode: string }): string;
  progress: { stageOne: string; decision: string; stageTwo: string };
  verification: Record<Verification, string>;
  feePayer: Record<FeePayer, string>;
  outcome: Record<Outcome, string>;
  abnormal: Record<AbnormalReason, string>;
  /** Why a deal waits for a person, as the parties read it. */
  parked: Record<ParkReason, string>;
  body: {
    linkCreated: string;
    walletActivationRequest: string;
    walletActivated: string;
    walletVerificationFailed: string;
    walletLocked: string;
    walletInvalidated: string;
    bindRequest: string;
    watchlistBlocked: string;
    attributionError: string;
    codeAlreadyAttributed: string;
    pendingPayment: string;
    phoneBindingRequest: string;
    abnormalBinding: string;
    paymentInfo: string;
    paymentInfoHosted: string;
    paymentInfoCardOnly: string;
    paymentFailed: string;
    paymentReminder: string;
    orderExpired: string;
    decisionExtended: string;
    linkExpired(p: { period: string }): string;
    stageOne: string;
    disputeOpened: string;
    disputeEscalated: string;
    dealParked: string;
    orderCancelled: string;
    stageTwo: string;
    transactionResult: string;
    quickReceiveCode: string;
    quickReceiveFailed: string;
    payoutSent: string;
    payoutHeld: string;
    payoutFailed: string;
  };
  otp(p: { otp: string; validFor: string; transactionCode: string }): string;
  duration(seconds: number): string;
  /** A setting's length (LINK_EXPIRY_MS) in its largest whole unit: days, hours, minutes or seconds. */
  period(ms: number): string;
}

const zhTW: Strings = {
  locale: 'zh-TW',
  brand: '【履約保證】',
  title: {
    link_created: '付款連結已建立',
    wallet_activation_request: '請啟用電子錢包',
    wallet_activated: '電子錢包已啟用',
    wallet_verification_failed: '錢包驗證失敗',
    wallet_locked: '錢包註冊暫停',
    wallet_invalidated: '錢包註冊已失效',
    bind_request: '請先加入好友',
    watchlist_blocked: '無法提供付款資訊',
    attribution_error: '付款代碼歸屬錯誤',
    code_already_attributed: '此付款代碼已被使用',
    pending_payment_info: '待付款資訊',
    phone_binding_request: '請綁定手機號碼',
    abnormal_binding: '手機綁定異常',
    payment_info: '付款資訊',
    otp: '付款驗證碼',
    payment_failed: '付款失敗',
    payment_reminder: '付款提醒',
    order_expired: '訂單已逾期',
    decision_extended: '確認期限已延長',
    link_expired: '付款連結已過期',
    stage_one: '款項已進入履約保證',
    dispute_opened: '交易爭議處理中',
    dispute_escalated: '爭議已轉交專人處理',
    evidence_request: '請說明問題並提供照片',
    support_message: '客服訊息',
    deal_parked: '交易暫停,等待專人確認',
    order_cancelled: '賣方已取消此付款連結',
    stage_two: '交易完成,款項已撥付',
    transaction_result: '交易結果',
    quick_receive_code: '快速收款身分碼',
    quick_receive_failed: '快速收款設定失敗',
    payout_sent: '款項已匯出',
    payout_held: '款項暫緩匯出',
    payout_failed: '匯款失敗',
  },
  label: {
    transactionCode: '交易代碼',
    amountDue: '應付金額',
    product: '商品',
    description: '商品說明',
    unitPrice: '單價',
    quantity: '數量',
    total: '總金額',
    paymentAccount: '付款帳號',
    bankCode: '銀行代碼',
    virtualAccount: 'ATM 虛擬帳號',
    payBy: '轉帳期限',
    platformFee: '平台手續費',
    sellerReceives: '賣方實收',
    feePaidBy: '手續費支付方',
    verification: '驗證方式',
    decisionDeadline: '確認期限',
    reason: '原因',
    amount: '金額',
    account: '帳戶',
    receivingCode: '收款身分碼',
    dynamicPassword: '動態密碼',
    verificationCode: '驗證碼',
    attemptedBy: '嘗試使用者',
    attemptsLeft: '剩餘次數',
    lockedUntil: '暫停至',
    outcome: '結果',
    sellerPaid: '撥付賣方',
    buyerRefunded: '退還買方',
    qrCaption: '掃描 QR code 查看這筆交易',
  },
  button: {
    payNow: '立即付款',
    agree: '同意撥款',
    confirmAgree: '確認撥款給賣家',
    extend: '延長確認期限',
    dispute: '提出異議',
    viewProgress: '查看交易進度',
    addFriend: '加入好友',
    bindPhone: '綁定手機',
    activateWallet: '啟用錢包',
    resendOtp: '重新傳送驗證碼',
    copyLink: '複製連結與密碼',
    copyCode: '複製收款身分碼',
    myWallet: '查看我的錢包',
  },
  echo: { agree: '我同意撥款', confirmAgree: '確認撥款', dispute: '我要提出異議', extend: '請延長確認期限', resendOtp: '請重新傳送驗證碼' },
  confirmAgree: ({ amount, transactionCode }) =>
    `確定要撥款 ${amount} 給賣家嗎?(交易代碼 ${transactionCode})\n撥款後無法取消。請確認已收到商品且沒有問題,再按「確認撥款給賣家」。`,
  progress: { stageOne: '第一階段完成', decision: '確認期間', stageTwo: '第二階段' },
  verification: { otp: '付款前將以 LINE 傳送一次性驗證碼', none: '無需額外驗證' },
  feePayer: { seller: '賣方(由撥款中扣除)', buyer: '買方(加在應付金額中)' },
  outcome: { released: '已撥付賣方', refunded: '已退款給買方', split: '部分撥付、部分退款', expired: '訂單逾期取消' },
  abnormal: {
    multiple_phones: '綁定期間內更換了多支手機號碼。',
    virtual_number: '偵測到網路虛擬電話號碼。',
  },
  parked: {
    settlement_refused: '撥款或退款步驟未能完成',
    amount_mismatch: '付款金額與訂單金額不符',
    charge_result_missing: '尚未收到付款結果',
  },
  body: {
    linkCreated: '請將付款連結與動態密碼一併提供給買方;買方須輸入動態密碼才能付款。',
    walletActivationRequest: '交易前須先啟用電子錢包。請開啟啟用頁面並輸入下列驗證碼。',
    walletActivated: '您的電子錢包已完成驗證並啟用,現在可以開始交易。',
    walletVerificationFailed: '驗證資訊不正確,請重新驗證。',
    walletLocked: '驗證失敗次數過多,暫停期間內無法重新註冊。',
    walletInvalidated: '為防範詐騙,您的錢包註冊已失效。如有疑問請聯絡客服。',
    bindRequest: '付款前請先將本官方帳號加為好友,以便接收交易通知。',
    watchlistBlocked: '很抱歉,此交易無法繼續。如有疑問請聯絡客服。',
    attributionError: '另一位使用者嘗試使用已歸屬其他買方的付款代碼,已被拒絕。',
    codeAlreadyAttributed: '此付款連結已由其他買方使用,無法由您付款。請向賣方索取新的連結。',
    pendingPayment: '此付款代碼已歸屬於您。請確認商品資訊後付款。',
    phoneBindingRequest: '為保障交易安全,付款前須綁定一支手機號碼。',
    abnormalBinding: '在客服人員完成核實前,暫時無法繼續交易。',
    paymentInfo: '請確認金額與付款帳號後付款。',
    paymentInfoHosted:
      '可在期限前以 ATM 或網路銀行轉帳剛好的金額到以下虛擬帳號(由金流服務商核發,僅限本訂單),或點「立即付款」以信用卡付款。',
    paymentInfoCardOnly: '請點「立即付款」,在金流服務商的安全付款頁以信用卡付款。',
    paymentFailed: '付款未完成,您的款項未被扣除。',
    paymentReminder: '您的訂單尚未付款,請儘快完成付款;逾期訂單將自動取消。',
    orderExpired: '付款期限已過,此訂單已取消。',
    decisionExtended: '買家延長了確認期限。期限內未回覆仍視為同意撥款。',
    linkExpired: ({ period }) => `付款連結已過期:${period}內沒有買方付款。需要的話,請傳「sell」建立新的連結。`,
    stageOne: '買方款項已由第三方保管。買方請於期限前確認;期限內未回覆視為同意撥款。',
    disputeOpened: '買方對此交易提出異議,款項暫停撥付,客服人員將與雙方聯繫。',
    disputeEscalated: '此爭議尚未解決,已轉交專人處理。款項仍由第三方保管。',
    dealParked: '此交易需要專人確認後才能繼續。款項仍由第三方保管,不會自動撥付;客服人員將與您聯繫。',
    orderCancelled: '賣方已取消此付款連結,您不需要付款。',
    stageTwo: '款項已由履約保證帳戶撥入賣方電子錢包。',
    transactionResult: '以下是本筆交易的最終結果。',
    quickReceiveCode: '您的銀行帳戶已驗證,以下是您的收款身分碼。',
    quickReceiveFailed: '銀行帳戶驗證未通過,無法產生收款身分碼。',
    payoutSent: '款項已匯至您的銀行帳戶。',
    payoutHeld: '為保障交易安全,此筆匯款暫時保留,審核完成後將儘快處理。',
    payoutFailed: '此筆匯款未能完成,款項已退回您的電子錢包。',
  },
  otp: ({ otp, validFor, transactionCode }) =>
    `付款驗證碼:${otp}\n交易代碼:${transactionCode}\n請於 ${validFor}內輸入。請勿將驗證碼提供給任何人,包括賣方。`,
  duration: (s) => (s % 60 === 0 ? `${s / 60} 分鐘` : `${s} 秒`),
  period: (ms) => periodIn(ms, { day: ' 天', hour: ' 小時', minute: ' 分鐘', second: ' 秒' }),
};

const en: Strings = {
  locale: 'en-GB',
  brand: '[Escrow]',
  title: {
    link_created: 'Payment link created',
    wallet_activation_request: 'Activate your e-wallet',
    wallet_activated: 'E-wallet activated',
    wallet_verification_failed: 'Wallet verification failed',
    wallet_locked: 'Wallet registration paused',
    wallet_invalidated: 'Wallet registration invalidated',
    bind_request: 'Add us as a friend first',
    watchlist_blocked: 'Payment info unavailable',
    attribution_error: 'Payment code attribution error',
    code_already_attributed: 'Payment code already in use',
    pending_payment_info: 'Pending payment',
    phone_binding_request: 'Bind your phone number',
    abnormal_binding: 'Phone binding abnormal',
    payment_info: 'Payment info',
    otp: 'Payment verification code',
    payment_failed: 'Payment failed',
    payment_reminder: 'Payment reminder',
    order_expired: 'Order expired',
    decision_extended: 'Decision window extended',
    link_expired: 'Payment link expired',
    stage_one: 'Payment held in escrow',
    dispute_opened: 'Dispute in progress',
    dispute_escalated: 'Dispute escalated',
    evidence_request: 'Tell us what happened',
    support_message: 'Message from support',
    deal_parked: 'Deal on hold for a check',
    order_cancelled: 'The seller cancelled this link',
    stage_two: 'Deal complete, money released',
    transaction_result: 'Transaction result',
    quick_receive_code: 'Quick-receive code',
    quick_receive_failed: 'Quick receive not set up',
    payout_sent: 'Payout sent',
    payout_held: 'Payout on hold',
    payout_failed: 'Payout failed',
  },
  label: {
    transactionCode: 'Transaction code',
    amountDue: 'Amount due',
    product: 'Product',
    description: 'Description',
    unitPrice: 'Unit price',
    quantity: 'Quantity',
    total: 'Total',
    paymentAccount: 'Payment account',
    bankCode: 'Bank code',
    virtualAccount: 'ATM virtual account',
    payBy: 'Transfer by',
    platformFee: 'Platform fee',
    sellerReceives: 'Seller receives',
    feePaidBy: 'Fee paid by',
    verification: 'Verification',
    decisionDeadline: 'Decide by',
    reason: 'Reason',
    amount: 'Amount',
    account: 'Account',
    receivingCode: 'Receiving code',
    dynamicPassword: 'Dynamic password',
    verificationCode: 'Verification code',
    attemptedBy: 'Attempted by',
    attemptsLeft: 'Attempts left',
    lockedUntil: 'Paused until',
    outcome: 'Outcome',
    sellerPaid: 'Paid to seller',
    buyerRefunded: 'Refunded to buyer',
    qrCaption: 'Scan to view this deal',
  },
  button: {
    payNow: 'Pay now',
    agree: 'Agree, release',
    confirmAgree: 'Yes, release it',
    extend: 'Extend deadline',
    dispute: 'Dispute',
    viewProgress: 'View progress',
    addFriend: 'Add friend',
    bindPhone: 'Bind phone',
    activateWallet: 'Activate wallet',
    resendOtp: 'Resend code',
    copyLink: 'Copy link+password',
    copyCode: 'Copy code',
    myWallet: 'My wallet',
  },
  echo: {
    agree: 'I agree to release the payment',
    confirmAgree: 'Yes, release it',
    dispute: 'I want to dispute',
    extend: 'Please extend the deadline',
    resendOtp: 'Please resend the code',
  },
  confirmAgree: ({ amount, transactionCode }) =>
    `Release ${amount} to the seller? (transaction ${transactionCode})\nThis cannot be undone. Only confirm once you have the item and it is as described.`,
  progress: { stageOne: 'Stage one done', decision: 'Decision window', stageTwo: 'Stage two' },
  verification: { otp: 'A one-time code is sent on LINE before paying', none: 'No extra verification' },
  feePayer: { seller: 'Seller (taken from the payout)', buyer: 'Buyer (added to the amount due)' },
  outcome: { released: 'Released to seller', refunded: 'Refunded to buyer', split: 'Split', expired: 'Expired unpaid' },
  abnormal: {
    multiple_phones: 'Several phone numbers were bound within the binding period.',
    virtual_number: 'An online virtual phone number was detected.',
  },
  parked: {
    settlement_refused: 'A release or refund step could not be completed',
    amount_mismatch: 'The amount paid does not match the order',
    charge_result_missing: 'The payment result has not arrived',
  },
  body: {
    linkCreated: 'Send the payment link together with the dynamic password to your buyer; they must enter the password to pay.',
    walletActivationRequest: 'Activate your e-wallet before trading. Open the activation page and enter this code.',
    walletActivated: 'Your e-wallet is verified and active. You can start trading.',
    walletVerificationFailed: 'The verification info was not correct. Please verify again.',
    walletLocked: 'Too many failed verifications. You cannot register again until the pause ends.',
    walletInvalidated: 'To prevent fraud, your wallet registration has been invalidated. Contact support if you have questions.',
    bindRequest: 'Before paying, add our official account as a friend so you receive the deal notices.',
    watchlistBlocked: 'Sorry, this transaction cannot continue. Contact support if you have questions.',
    attributionError: 'Someone tried to use a payment code that belongs to another buyer. They were refused.',
    codeAlreadyAttributed: 'This payment link is already used by another buyer, so you cannot pay with it. Ask the seller for a new link.',
    pendingPayment: 'This payment code is now yours. Check the product and pay.',
    phoneBindingRequest: 'For your safety, bind one phone number before paying.',
    abnormalBinding: 'You cannot continue until our support staff have verified you.',
    paymentInfo: 'Check the amount and the payment account, then pay.',
    paymentInfoHosted:
      'Transfer exactly the total to the virtual account below (issued by the payment provider for this order only) at an ATM or in online banking before the deadline, or tap Pay now to pay by card.',
    paymentInfoCardOnly: "Tap Pay now to pay by card on the payment provider's secure page.",
    paymentFailed: 'The payment did not go through; you were not charged.',
    paymentReminder: 'Your order is not paid yet. Please pay soon; unpaid orders are cancelled when they expire.',
    orderExpired: 'The payment period is over and this order is cancelled.',
    decisionExtended: 'The buyer extended the decision window. No answer by the new deadline still counts as agreement.',
    linkExpired: ({ period }) =>
      `Payment link expired: no buyer paid within ${period}. Send "sell" to create a new one if you still need it.`,
    stageOne: "We hold the buyer's payment. Buyer: please decide before the deadline; no answer counts as agreement.",
    disputeOpened: 'The buyer disputed this deal. The money stays on hold and our support staff will contact both of you.',
    disputeEscalated: 'This dispute is not resolved yet and has been escalated. We still hold the money.',
    dealParked:
      'A person needs to check this deal before it can go on. We still hold the money and nothing is paid out automatically; our support team will contact you.',
    orderCancelled: 'The seller cancelled this payment link. You do not need to pay.',
    stageTwo: "The money moved from escrow to the seller's e-wallet.",
    transactionResult: 'This is the final result of the deal.',
    quickReceiveCode: 'Your bank account is verified. Here is your receiving code.',
    quickReceiveFailed: 'Your bank account could not be verified, so no receiving code was issued.',
    payoutSent: 'The money was sent to your bank account.',
    payoutHeld: 'For safety this payout is on hold; it goes out as soon as the review is done.',
    payoutFailed: 'The payout could not be completed; the money is back in your e-wallet.',
  },
  otp: ({ otp, validFor, transactionCode }) =>
    `Payment verification code: ${otp}\nTransaction code: ${transactionCode}\nEnter it within ${validFor}. Never share it with anyone, the seller included.`,
  duration: (s) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`),
  period: (ms) => periodIn(ms, { day: ' day', hour: ' hour', minute: ' minute', second: ' second' }, 's'),
};

/** The largest unit the length is a whole number of (at least 1 second), in the language's words. */
function periodIn(ms: number, unit: Record<'day' | 'hour' | 'minute' | 'second', string>, plural = ''): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  const [count, name] =
    seconds % 86_400 === 0
      ? [seconds / 86_400, unit.day]
      : seconds % 3600 === 0
        ? [seconds / 3600, unit.hour]
        : seconds % 60 === 0
          ? [seconds / 60, unit.minute]
          : [seconds, unit.second];
  return `${count}${name}${count === 1 ? '' : plural}`;
}

export const STRINGS: Record<Language, Strings> = { 'zh-TW': zhTW, en };

/**
 * Deadlines arrive as ISO strings; shown in Taiwan time because the deal and both parties are
 * there. Anything unparseable is shown as given rather than hidden.
 */
export function formatDateTime(iso: string, language: Language): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(STRINGS[language].locale, {
    timeZone: 'Asia/Taipei',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(at);
}
