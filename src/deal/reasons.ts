import type { OrderState } from '../../workflows/order-messages';

/**
 * Why a step was refused or a payment failed, as a code with its parameters: workflows carry
 * these, renderers translate them (a zh-TW card never shows an English sentence). Pure: the
 * order workflow imports the types. The English `message` of a refusal stays for the JSON API and
 * logs; people read `reasonText`.
 */
export type StepAction =
  | 'request_payment'
  | 'set_payment_parameters'
  | 'resend_otp'
  | 'submit_otp'
  | 'decide'
  | 'extend_decision'
  | 'resolve_dispute'
  | 'extend_dispute_deadline'
  | 'cancel_link';

export type Reason =
  | { code: 'illegal_step'; action: StepAction; state: OrderState }
  | { code: 'decision_window_closed' }
  | { code: 'dispute_resolved' }
  | { code: 'not_the_buyer' }
  | { code: 'not_the_seller' }
  | { code: 'someone_else_paying' }
  | { code: 'request_payment_info_first' }
  | { code: 'self_dealing' }
  | { code: 'buyer_blocked' }
  | { code: 'password_locked' }
  | { code: 'otp_limit'; max: number }
  | { code: 'otp_hour_limit'; max: number; minutes: number }
  | { code: 'wrong_otp'; attemptsLeft: number }
  | { code: 'otp_expired' }
  | { code: 'otp_exhausted' }
  | { code: 'card_declined'; providerCode?: string }
  | { code: 'charge_not_started' }
  | { code: 'limit_exceeded'; rule: string }
  | { code: 'extension_used'; max: number }
  | { code: 'order_ended' };

export type ReasonCode = Reason['code'];
export type ReasonLanguage = 'zh-TW' | 'en';

const ACTIONS: Record<ReasonLanguage, Record<StepAction, string>> = {
  'zh-TW': {
    request_payment: '取得付款資訊',
    set_payment_parameters: '選擇付款方式',
    resend_otp: '重新傳送驗證碼',
    submit_otp: '輸入驗證碼',
    decide: '確認或提出異議',
    extend_decision: '延長確認期限',
    resolve_dispute: '處理爭議',
    extend_dispute_deadline: '延長爭議處理期限',
    cancel_link: '取消付款連結',
  },
  en: {
    request_payment: 'get the payment info',
    set_payment_parameters: 'choose how to pay',
    resend_otp: 'resend the code',
    submit_otp: 'enter the code',
    decide: 'agree or dispute',
    extend_decision: 'extend the decision window',
    resolve_dispute: 'resolve the dispute',
    extend_dispute_deadline: 'extend the dispute deadline',
    cancel_link: 'cancel the link',
  },
};

const STATES: Record<ReasonLanguage, Record<OrderState, string>> = {
  'zh-TW': {
    awaiting_buyer: '等待買家',
    awaiting_payment: '等待付款',
    awaiting_otp: '等待輸入驗證碼',
    awaiting_checkout: '在付款頁付款中',
    payment_pending: '付款處理中',
    escrow: '款項保管中',
    disputed: '爭議處理中',
    settling: '撥款處理中',
    completed: '已完成',
    refunded: '已退款',
    expired: '已逾期',
    cancelled: '已取消',
    parked: '等待專人確認',
  },
  en: {
    awaiting_buyer: 'waiting for a buyer',
    awaiting_payment: 'waiting for payment',
    awaiting_otp: 'waiting for the code',
    awaiting_checkout: 'being paid on the payment page',
    payment_pending: 'processing the payment',
    escrow: 'holding the money',
    disputed: 'in dispute',
    settling: 'settling',
    completed: 'completed',
    refunded: 'refunded',
    expired: 'expired',
    cancelled: 'cancelled',
    parked: 'waiting for a person',
  },
};

type Texts = { [C in ReasonCode]: (r: Extract<Reason, { code: C }>) => string };

const TEXTS: Record<ReasonLanguage, Texts> = {
  'zh-TW': {
    illegal_step: (r) => `此交易目前「${STATES['zh-TW'][r.state]}」,無法${ACTIONS['zh-TW'][r.action]}。`,
    decision_window_closed: () => '確認期限已過。',
    dispute_resolved: () => '此爭議已處理。',
    not_the_buyer: () => '只有此交易的買家可以執行這個操作。',
    not_the_seller: () => '只有此交易的賣家可以執行這個操作。',
    someone_else_paying: () => '已有其他買家正在付款。',
    request_payment_info_first: () => '請先輸入動態密碼取得付款資訊。',
    self_dealing: () => '您不能支付自己的付款連結。',
    buyer_blocked: () => '此交易無法由您付款。',
    password_locked: () => '動態密碼錯誤次數過多。',
    otp_limit: (r) => `一筆訂單最多傳送 ${r.max} 次驗證碼;請向賣家索取新的連結。`,
    otp_hour_limit: (r) => `每小時最多傳送 ${r.max} 次驗證碼,請於 ${r.minutes} 分鐘後再試。`,
    wrong_otp: (r) => `驗證碼錯誤,還可以再試 ${r.attemptsLeft} 次。`,
    otp_expired: () => '驗證碼已過期,請重新取得。',
    otp_exhausted: () => '驗證碼錯誤次數過多,請重新取得。',
    card_declined: () => '卡片未通過授權,您沒有被扣款。',
    charge_not_started: () => '付款無法開始,您沒有被扣款。',
    limit_exceeded: () => '超過交易限額。',
    extension_used: (r) => `確認期限最多只能延長 ${r.max} 次。`,
    order_ended: () => '此交易已結束。',
  },
  en: {
    illegal_step: (r) => `This deal is ${STATES.en[r.state]}, so you cannot ${ACTIONS.en[r.action]} now.`,
    decision_window_closed: () => 'The decision window has closed.',
    dispute_resolved: () => 'This dispute is already resolved.',
    not_the_buyer: () => 'Only the buyer of this deal can do that.',
    not_the_seller: () => 'Only the seller of this deal can do that.',
    someone_else_paying: () => 'Someone else is paying for this link.',
    request_payment_info_first: () => 'Enter the dynamic password to get the payment info first.',
    self_dealing: () => 'You cannot pay for your own payment link.',
    buyer_blocked: () => 'You cannot pay for this deal.',
    password_locked: () => 'Too many wrong dynamic passwords.',
    otp_limit: (r) => `At most ${r.max} codes can be sent for one order; ask the seller for a new link.`,
    otp_hour_limit: (r) => `At most ${r.max} codes an hour; try again in ${r.minutes} min.`,
    wrong_otp: (r) => `Wrong code, ${r.attemptsLeft} tries left.`,
    otp_expired: () => 'The code expired; ask for a new one.',
    otp_exhausted: () => 'Too many wrong codes; ask for a new one.',
    card_declined: () => 'The card was not authorised; you were not charged.',
    charge_not_started: () => 'The payment could not be started; you were not charged.',
    limit_exceeded: () => 'This is above your transaction limits.',
    extension_used: (r) => `The decision window can be extended at most ${r.max} time${r.max === 1 ? '' : 's'}.`,
    order_ended: () => 'This deal has ended.',
  },
};

export function reasonText(reason: Reason, language: ReasonLanguage): string {
  const text = TEXTS[language][reason.code] as (r: Reason) => string;
  return text(reason);
}

/** A reason carried in a refusal's details (ApplicationFailure details[0]), if it is one. */
export function reasonOf(details: unknown): Reason | undefined {
  const first = Array.isArray(details) ? details[0] : undefined;
  if (typeof first !== 'object' || first === null) return undefined;
  const code = (first as { code?: unknown }).code;
  return typeof code === 'string' && code in TEXTS.en ? (first as Reason) : undefined;
}
