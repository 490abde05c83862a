import type { Knex } from 'knex';

/**
 * The app's tables as TypeScript sees them, so `knex('orders')` is typed: a misspelt column or a
 * wrong value type is a compile error. One interface per table (what a row reads as); inserts and
 * updates take the writable subset. The ledger's tables are written only through its SQL
 * functions (src/ledger), so they are not listed here.
 */

/** The orders read model (lists and the support console; Temporal visibility is eventually consistent). */
export interface OrderRow {
  payment_code: string;
  workflow_id: string;
  seller_id: string;
  buyer_id: string | null;
  state: string;
  total_minor: string; // bigint: pg returns it as text
  currency: string;
  product_name: string;
  charge_id: string | null;
  seller_paid_minor: string;
  buyer_refunded_minor: string;
  /** Booked to the fee account at settlement (0 before). */
  fee_minor: string;
  /** The fee quoted when the link was created, and who pays it (null: a deal from before fees). */
  quoted_fee_minor: string;
  fee_payer: 'seller' | 'buyer' | null;
  state_version: string;
  dispute_reason: string | null;
  park_reason: string | null;
  park_detail: string | null;
  /** When an open dispute escalates, once support moved it (0024); null: opened + DISPUTE_ESCALATION_MS. */
  dispute_deadline_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
type OrderWrite = Partial<
  Omit<
    OrderRow,
    | 'total_minor'
    | 'seller_paid_minor'
    | 'buyer_refunded_minor'
    | 'fee_minor'
    | 'quoted_fee_minor'
    | 'state_version'
    | 'updated_at'
    | 'created_at'
  >
> & {
  total_minor?: number | string;
  fee_minor?: number | string;
  quoted_fee_minor?: number | string;
  seller_paid_minor?: number | string;
  buyer_refunded_minor?: number | string;
  state_version?: number | string;
  updated_at?: Date | Knex.Raw;
  created_at?: Date | Knex.Raw;
};

export interface PaymentLinkRow {
  payment_code: string;
  seller_id: string;
  product_name: string;
  unit_price_minor: string;
  quantity: number;
  total_minor: string;
  currency: string;
  image_url: string | null;
  description: string | null;
  variant: 'full' | 'simple';
  created_at: Date;
}
type PaymentLinkWrite = Omit<PaymentLinkRow, 'unit_price_minor' | 'total_minor' | 'created_at' | 'image_url' | 'description'> & {
  unit_price_minor: number;
  total_minor: number;
  image_url?: string | null;
  description?: string | null;
};

export interface UserRow {
  user_id: string;
  display_name: string | null;
  language: string;
  /** The user chose `language` in chat (0025); a follow event then keeps it instead of the profile's. */
  language_chosen: boolean;
  is_friend: boolean;
  friend_event_ms: string | null;
  created_at: Date;
}
type UserWrite = Partial<Omit<UserRow, 'friend_event_ms'>> & { user_id: string; friend_event_ms?: number | string | null };

export interface DecisionIntentRow {
  source_id: string;
  payment_code: string;
  buyer_id: string;
  decision: 'agree' | 'dispute';
  reason: string | null;
  decided_at: Date;
  recorded_at: Date;
}
type DecisionIntentWrite = Omit<DecisionIntentRow, 'recorded_at'>;

export interface LimitEventRow {
  event_id: string;
  buyer_id: string;
  seller_id: string;
  phone_hash: string | null;
  amount_minor: string;
  currency: string;
  policy_amount_minor: string;
  at: Date;
  recorded_at: Date;
}
type LimitEventWrite = Omit<LimitEventRow, 'amount_minor' | 'policy_amount_minor' | 'recorded_at'> & {
  amount_minor: number;
  policy_amount_minor: number;
};

export interface OtpChallengeRow {
  challenge_id: string;
  /** What the code is for: a payment code, or `wallet:<user>`. */
  subject: string;
  user_id: string;
  code_hash: string;
  attempts: number;
  max_attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
  created_at: Date;
  last_check_key: string | null;
  last_check_result: unknown;
}
type OtpChallengeWrite = Partial<Omit<OtpChallengeRow, 'consumed_at' | 'last_check_result'>> & {
  consumed_at?: Date | Knex.Raw | null;
  last_check_result?: string | null;
};

export interface WalletRow {
  user_id: string;
  state: 'inactive' | 'active' | 'locked' | 'invalidated';
  ledger_account_id: string | null;
  currency: string;
  failed_attempts: number;
  lockouts: number;
  locked_until: Date | null;
  activated_at: Date | null;
  updated_at: Date;
}
type WalletWrite = Partial<Omit<WalletRow, 'locked_until' | 'activated_at' | 'updated_at'>> & {
  locked_until?: Date | string | null;
  activated_at?: Date | Knex.Raw | null;
  updated_at?: Date | Knex.Raw;
};

export interface PhoneBindingRow {
  id: string;
  user_id: string;
  phone_hash: string;
  phone_ciphertext: string;
  phone_masked: string;
  is_virtual: boolean;
  bound_at: Date;
  cleared_at: Date | null;
}
type PhoneBindingWrite = Partial<Omit<PhoneBindingRow, 'id' | 'cleared_at'>> & { cleared_at?: Date | Knex.Raw | null };

/** One row per message the product sent (or LINE refused for good): the send is idempotent by its retry key. */
export interface ChatDeliveryRow {
  retry_key: string;
  to_user_id: string;
  kind: string;
  sent_at: Date;
  status: 'delivered' | 'undeliverable';
  error: string | null;
  message_ciphertext: string | null;
}
type ChatDeliveryWrite = Pick<ChatDeliveryRow, 'retry_key' | 'to_user_id' | 'kind'> &
  Partial<Pick<ChatDeliveryRow, 'status' | 'error' | 'message_ciphertext'>>;

declare module 'knex/types/tables' {
  interface Tables {
    orders: Knex.CompositeTableType<
      OrderRow,
      OrderWrite & Pick<OrderRow, 'payment_code' | 'workflow_id' | 'seller_id' | 'state' | 'currency' | 'product_name'>,
      OrderWrite
    >;
    payment_links: Knex.CompositeTableType<PaymentLinkRow, PaymentLinkWrite, Partial<PaymentLinkWrite>>;
    users: Knex.CompositeTableType<UserRow, UserWrite, Partial<UserWrite>>;
    decision_intents: Knex.CompositeTableType<DecisionIntentRow, DecisionIntentWrite, Partial<DecisionIntentWrite>>;
    limit_events: Knex.CompositeTableType<LimitEventRow, LimitEventWrite, Partial<LimitEventWrite>>;
    wallets: Knex.CompositeTableType<WalletRow, WalletWrite & Pick<WalletRow, 'user_id'>, WalletWrite>;
    phone_bindings: Knex.CompositeTableType<
      PhoneBindingRow,
      PhoneBindingWrite & Pick<PhoneBindingRow, 'user_id' | 'phone_hash' | 'phone_ciphertext' | 'phone_masked'>,
      PhoneBindingWrite
    >;
    chat_deliveries: Knex.CompositeTableType<ChatDeliveryRow, ChatDeliveryWrite, Partial<ChatDeliveryWrite>>;
    otp_challenges: Knex.CompositeTableType<
      OtpChallengeRow,
      OtpChallengeWrite & Pick<OtpChallengeRow, 'challenge_id' | 'subject' | 'user_id' | 'code_hash' | 'max_attempts' | 'expires_at'>,
      OtpChallengeWrite
    >;
  }
}
