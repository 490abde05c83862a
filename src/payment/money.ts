/** Money on the wire to our providers: integer minor units with an ISO 4217 currency, never floats. */
import { z } from 'zod';

export const CURRENCIES = ['TWD', 'JPY', 'THB', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const currencySchema = z.enum(CURRENCIES);

export function isAmountMinor(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

export const amountMinorSchema = z
  .number()
  .refine(isAmountMinor, { message: 'amountMinor must be a positive safe integer (minor units)' });
