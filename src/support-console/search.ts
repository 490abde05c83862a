import type { Knex } from 'knex';
import { keyedHash, normaliseBankAccount, normalisePhone } from '../crypto';
import { PAYMENT_CODE_PATTERN, transactionCode } from '../domain/ids';

/**
 * One search box for what people quote: a TX code, a payment code, a display name or LINE user
 * id, a receiving code, a phone number or a bank account. Phones and accounts are matched by
 * their keyed hash (HASH_SECRET), as they are stored; the number itself is never looked for in
 * clear nor kept (the audit entry names only which kinds of key matched).
 */
export type MatchKind = 'transaction_code' | 'payment_code' | 'line_user' | 'display_name' | 'receiving_code' | 'phone' | 'bank_account';

export interface SearchResult {
  matched: MatchKind[];
  orders: OrderHit[];
  users: UserHit[];
}

interface OrderHit {
  paymentCode: string;
  transactionCode: string;
  state: string;
  productName: string;
  totalMinor: number;
  currency: string;
  buyerName: string | null;
  sellerName: string | null;
  updatedAt: string;
}

interface UserHit {
  userId: string;
  displayName: string | null;
  matchedBy: MatchKind;
  walletState: string | null;
  orders: OrderHit[];
}

const TX_CODE = /^TX-[0-9A-Z]{4}-[0-9A-Z]{4}$/;
const LINE_USER = /^U[0-9a-f]{32}$/;
const TX_EXPRESSION = "('TX-' || substr(o.payment_code, 1, 4) || '-' || substr(o.payment_code, 5, 4))";
const HITS_MAX = 20;

export async function searchConsole(knex: Knex, hashSecret: string, raw: string): Promise<SearchResult> {
  const q = raw.trim();
  const matched = new Set<MatchKind>();
  const orders: OrderHit[] = [];
  const users = new Map<string, MatchKind>();
  const upper = q.toUpperCase();

  if (TX_CODE.test(upper)) {
    orders.push(...(await orderHits(knex, (w) => w.whereRaw(`${TX_EXPRESSION} = ?`, [upper]))));
    if (orders.length) matched.add('transaction_code');
  }
  if (PAYMENT_CODE_PATTERN.test(upper)) {
    const hits = await orderHits(knex, (w) => w.where('o.payment_code', upper));
    if (hits.length) matched.add('payment_code');
    orders.push(...hits);
  }
  const addUsers = (ids: string[], kind: MatchKind) => {
    for (const id of ids) if (!users.has(id)) users.set(id, kind);
    if (ids.length) matched.add(kind);
  };
  if (LINE_USER.test(q))
    addUsers(
      (await knex('users').where({ user_id: q }).select('user_id')).map((r) => r.user_id),
      'line_user',
    );
  addUsers(
    (await knex('receiving_codes').where({ code: q }).select('user_id')).map((r) => r.user_id),
    'receiving_code',
  );
  const phone = attempt(() => normalisePhone(q));
  if (phone && /\d{6,}/.test(phone))
    addUsers(
      (
        await knex('phone_bindings')
          .where({ phone_hash: keyedHash(hashSecret, phone) })
          .distinct('user_id')
      ).map((r) => r.user_id),
      'phone',
    );
  const account = attempt(() => normaliseBankAccount(q));
  if (account)
    addUsers(
      (
        await knex('bank_accounts')
          .where({ account_hash: keyedHash(hashSecret, account) })
          .distinct('user_id')
      ).map((r) => r.user_id),
      'bank_account',
    );
  if (q.length >= 2 && !TX_CODE.test(upper) && !PAYMENT_CODE_PATTERN.test(upper)) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    addUsers(
      (await knex('users').whereILike('display_name', pattern).orderBy('display_name').limit(HITS_MAX).select('user_id')).map(
        (r) => r.user_id,
      ),
      'display_name',
    );
  }

  const userHits: UserHit[] = [];
  for (const [userId, matchedBy] of [...users].slice(0, HITS_MAX)) {
    const user = await knex('users').where({ user_id: userId }).first('display_name');
    const wallet = await knex('wallets').where({ user_id: userId }).first('state');
    userHits.push({
      userId,
      displayName: user?.display_name ?? null,
      matchedBy,
      walletState: wallet?.state ?? null,
      orders: await orderHits(knex, (w) => w.where('o.buyer_id', userId).orWhere('o.seller_id', userId)),
    });
  }
  return { matched: [...matched], orders, users: userHits };
}

async function orderHits(knex: Knex, where: (q: Knex.QueryBuilder) => void): Promise<OrderHit[]> {
  const rows = await knex('orders as o')
    .where((w) => where(w))
    .orderBy('o.updated_at', 'desc')
    .limit(HITS_MAX)
    .select(
      'o.payment_code',
      'o.state',
      'o.product_name',
      'o.total_minor',
      'o.currency',
      'o.updated_at',
      knex.raw('(select display_name from users u where u.user_id = o.buyer_id) as buyer_name'),
      knex.raw('(select display_name from users u where u.user_id = o.seller_id) as seller_name'),
    );
  return rows.map((r) => ({
    paymentCode: r.payment_code,
    transactionCode: transactionCode(r.payment_code),
    state: r.state,
    productName: r.product_name,
    totalMinor: Number(r.total_minor),
    currency: r.currency,
    buyerName: r.buyer_name,
    sellerName: r.seller_name,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
