import { z } from 'zod';
import { CURRENCIES } from '../../domain/money';
import { POSTBACK_DATA_MAX_CHARS } from '../limits';

/**
 * Postback data of the chat menu's own buttons (not a deal card's): withdraw an amount, cancel a
 * link, choose the currency of the sale being drafted. `m=<action>` plus its fields; decoding
 * trusts nothing (the data comes back from the phone), and the handler checks the user may act.
 */
const tx = z.string().regex(/^TX-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
const amount = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const menuPostbackSchema = z.discriminatedUnion('m', [
  z.object({ m: z.literal('withdraw'), c: z.enum(CURRENCIES), a: amount }).strict(),
  z.object({ m: z.literal('cancel'), tx }).strict(),
  z.object({ m: z.literal('currency'), c: z.enum(CURRENCIES) }).strict(),
]);
export type MenuPostback = z.infer<typeof menuPostbackSchema>;

export function encodeMenuPostback(postback: MenuPostback): string {
  const data = new URLSearchParams(Object.entries(postback).map(([k, v]) => [k, String(v)])).toString();
  if (data.length > POSTBACK_DATA_MAX_CHARS) throw new Error(`menu postback of ${data.length} chars`);
  return data;
}

export function decodeMenuPostback(data: unknown): MenuPostback | null {
  if (typeof data !== 'string' || data.length === 0 || data.length > POSTBACK_DATA_MAX_CHARS) return null;
  const params = new URLSearchParams(data);
  if (!params.has('m')) return null;
  const entries = [...params.entries()];
  if (new Set(entries.map(([k]) => k)).size !== entries.length) return null;
  const parsed = menuPostbackSchema.safeParse(Object.fromEntries(entries));
  return parsed.success ? parsed.data : null;
}
