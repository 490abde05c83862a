import type { Knex } from 'knex';
import { isLanguage, DEFAULT_LANGUAGE, type Language } from '../render';
import type { LineAdapter } from '../adapter';

/** The orders-table rows a transaction code (TX-XXXX-YYYY) names; index orders_transaction_code (0005). */
export interface OrderRef {
  paymentCode: string;
  sellerId: string;
  buyerId: string | null;
}

const TRANSACTION_CODE = /^TX-[0-9A-Z]{4}-[0-9A-Z]{4}$/;
/** Must stay textually the same expression as the index, or PostgreSQL will not use it. */
const CODE_EXPRESSION = "('TX-' || substr(payment_code, 1, 4) || '-' || substr(payment_code, 5, 4))";

export async function ordersByTransactionCode(knex: Knex, code: string): Promise<OrderRef[]> {
  if (!TRANSACTION_CODE.test(code)) return [];
  const rows = await knex('orders').whereRaw(`${CODE_EXPRESSION} = ?`, [code]).select('payment_code', 'seller_id', 'buyer_id');
  return rows.map((r) => ({ paymentCode: r.payment_code, sellerId: r.seller_id, buyerId: r.buyer_id }));
}

/**
 * 40 bits of a random code can collide in a large table; the tapping user tells them apart:
 * the order they are a party of wins.
 */
export function pickOrderFor(userId: string, orders: OrderRef[]): OrderRef | undefined {
  return orders.find((o) => o.buyerId === userId) ?? orders.find((o) => o.sellerId === userId) ?? orders.find((o) => o.buyerId === null);
}

/** The user's language; a user we have never seen is created from their LINE profile. */
export async function languageOf(knex: Knex, line: LineAdapter, userId: string): Promise<Language> {
  const row = await knex('users').where({ user_id: userId }).first('language');
  if (row) return isLanguage(row.language) ? row.language : DEFAULT_LANGUAGE;
  const profile = await line.getProfile(userId).catch(() => null);
  const language = languageFromProfile(profile?.language);
  await knex('users')
    .insert({ user_id: userId, display_name: profile?.displayName ?? null, language })
    .onConflict('user_id')
    .ignore();
  return language;
}

/** LINE reports a BCP 47 tag (e.g. "en", "zh-TW", "ja"); we speak zh-TW and en. */
export function languageFromProfile(tag: string | undefined): Language {
  return tag !== undefined && /^en\b/i.test(tag) ? 'en' : DEFAULT_LANGUAGE;
}
