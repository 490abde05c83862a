/** Money on the wire to our providers: integer minor units with an ISO 4217 currency, never floats. */
import { z } from 'zod';
import { CURRENCIES, isPositiveMinorUnits } from '../domain/money';

/** The product's currency list (src/domain/money.ts), re-exported for the provider contracts. */
export { CURRENCIES, type Currency } from '../domain/money';
export const currencySchema = z.enum(CURRENCIES);

/** On the wire any positive safe integer of minor units is well-formed; the product cap is checked at our edge. */
export const isAmountMinor = isPositiveMinorUnits;

export const amountMinorSchema = z
  .number()
  .refine(isPositiveMinorUnits, { message: 'amountMinor must be a positive safe integer (minor units)' });
