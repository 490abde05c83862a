/** Money is integer minor units with a currency; never a float. */
export const CURRENCIES = ['TWD', 'JPY', 'THB', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const MAX_AMOUNT_MINOR = 10_000_000_00; // one deal at most 10 million in major units of TWD

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

export function isAmountMinor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_AMOUNT_MINOR;
}

/** Minor units per major unit: TWD and JPY have none in practice on LINE commerce, others two. */
const MINOR_DIGITS: Record<Currency, number> = { TWD: 0, JPY: 0, THB: 2, USD: 2 };

export function formatMoney(amountMinor: number, currency: Currency): string {
  const digits = MINOR_DIGITS[currency];
  const major = digits === 0 ? String(amountMinor) : (amountMinor / 10 ** digits).toFixed(digits);
  return `${currency} ${major.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}
