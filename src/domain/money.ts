/** Money is integer minor units with a currency; never a float. The one currency list of the product. */
export const CURRENCIES = ['TWD', 'JPY', 'THB', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const MAX_AMOUNT_MINOR = 10_000_000_00; // one deal at most 10 million in major units of TWD

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/** A positive safe integer of minor units, with no product cap (what providers accept on the wire). */
export function isPositiveMinorUnits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** An amount the product accepts: positive minor units up to `MAX_AMOUNT_MINOR`. */
export function isAmountMinor(value: unknown): value is number {
  return isPositiveMinorUnits(value) && value <= MAX_AMOUNT_MINOR;
}

/** Minor units per major unit in display: TWD and JPY none, others two. */
// TWD 0 is the product's choice, not ISO 4217's 2: LINE Pay Taiwan charges whole dollars.
const MINOR_DIGITS: Record<Currency, number> = { TWD: 0, JPY: 0, THB: 2, USD: 2 };

/** Digits below the unit: a price typed in whole units times 10^digits is its amountMinor. */
export function minorDigits(currency: Currency): number {
  return MINOR_DIGITS[currency];
}

export function formatMoney(amountMinor: number, currency: Currency): string {
  const digits = MINOR_DIGITS[currency];
  const major = digits === 0 ? String(amountMinor) : (amountMinor / 10 ** digits).toFixed(digits);
  return `${currency} ${major.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}
