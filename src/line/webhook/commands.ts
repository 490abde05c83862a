import type { Currency } from '../../domain/money';
import { MAX_AMOUNT_MINOR } from '../../domain/money';

/**
 * Text commands a person types to our official account. Sellers create a payment link without
 * leaving the chat (S301): `sell <price> <qty> <name>` or `賣 <價格> <數量> <品名>`. Anything else
 * earns the help text. Prices are whole TWD (TWD has no minor unit in practice).
 */
export const PRODUCT_NAME_MAX_CHARS = 200; // the same bound as the JSON API's product schema
export const QUANTITY_MAX = 10_000;
export const COMMAND_CURRENCY: Currency = 'TWD';

export type SellProblem = 'price' | 'quantity' | 'name_too_long' | 'total_too_large';

export type Command =
  | { kind: 'sell'; name: string; unitPriceMinor: number; quantity: number; currency: Currency }
  | { kind: 'sell_invalid'; problem: SellProblem }
  | { kind: 'help' };

// \s covers the full-width space (U+3000) that Chinese keyboards type.
const SELL = /^(?:sell|賣)\s+(\S+)\s+(\S+)\s+([\s\S]+)$/i;
const SELL_WORD = /^(?:sell|賣)(?:\s|$)/i;
/** Digits with optional thousands commas, or full-width digits (converted first). */
const WHOLE_NUMBER = /^(?:\d{1,3}(?:,\d{3})+|\d+)$/;

export function parseCommand(text: string): Command {
  const trimmed = toHalfWidthDigits(text.trim());
  const match = SELL.exec(trimmed);
  if (!match) return SELL_WORD.test(trimmed) ? { kind: 'sell_invalid', problem: 'price' } : { kind: 'help' };
  const [, priceText, quantityText, rawName] = match as unknown as [string, string, string, string];
  const price = wholeNumber(priceText.replace(/^(?:NT\$|\$)/i, ''));
  if (price === undefined || price <= 0 || price > MAX_AMOUNT_MINOR) return { kind: 'sell_invalid', problem: 'price' };
  const quantity = wholeNumber(quantityText);
  if (quantity === undefined || quantity <= 0 || quantity > QUANTITY_MAX) return { kind: 'sell_invalid', problem: 'quantity' };
  if (price * quantity > MAX_AMOUNT_MINOR) return { kind: 'sell_invalid', problem: 'total_too_large' };
  const name = rawName.replace(/\s+/g, ' ').trim();
  if (name.length > PRODUCT_NAME_MAX_CHARS) return { kind: 'sell_invalid', problem: 'name_too_long' };
  return { kind: 'sell', name, unitPriceMinor: price, quantity, currency: COMMAND_CURRENCY };
}

function wholeNumber(text: string): number | undefined {
  if (!WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text.replace(/,/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

function toHalfWidthDigits(text: string): string {
  return text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}
