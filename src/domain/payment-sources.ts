/** How a buyer may pay (S111), one list for the api, the workflow and the provider client (workflow-safe). */
export const PAYMENT_SOURCE_TYPES = ['card', 'bank_transfer', 'line_pay_wallet'] as const;
export type PaymentSourceType = (typeof PAYMENT_SOURCE_TYPES)[number];

export function isPaymentSourceType(value: unknown): value is PaymentSourceType {
  return typeof value === 'string' && (PAYMENT_SOURCE_TYPES as readonly string[]).includes(value);
}
