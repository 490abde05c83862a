import type { Knex } from 'knex';
import { z } from 'zod';

/**
 * The console's work queues as tables: each is one query whose columns can be filtered, sorted
 * and paged by the same rules, so every queue behaves alike. Rows name people by display name
 * (with the LINE user id beside it for staff who act on it) and money in minor units.
 */
export const QUEUE_NAMES = ['disputes', 'payouts', 'bindings', 'lockouts', 'parked', 'line-events'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
export const PAGE_SIZE_MAX = 100;

export interface QueueContext {
  now: Date;
  disputeEscalationMs: number;
  phoneBindingPeriodMs: number;
}

interface QueueDef {
  /** A query whose selected columns are the row (aliased), wrapped as a subquery. */
  base(knex: Knex, ctx: QueueContext): Knex.QueryBuilder;
  /** Columns one may sort by, and the default. */
  sortable: readonly string[];
  defaultSort: { sort: string; dir: 'asc' | 'desc' };
  /** Columns the free-text filter looks in (case-insensitive substring). */
  text: readonly string[];
  /** Exact-value filters on columns (e.g. currency). */
  exact: readonly string[];
}

const displayName = (knex: Knex, column: string) => knex.raw(`(select display_name from users u where u.user_id = ${column})`);

/** What every deal row shows: its codes (the TX code as src/domain/ids.ts makes it), product and amount. */
const dealColumns = (knex: Knex) => ({
  paymentCode: 'o.payment_code',
  transactionCode: knex.raw("'TX-' || substr(o.payment_code, 1, 4) || '-' || substr(o.payment_code, 5, 4)"),
  productName: 'o.product_name',
  totalMinor: knex.raw('o.total_minor::bigint'),
  currency: 'o.currency',
});

const QUEUES: Record<QueueName, QueueDef> = {
  // Open disputes: how long they have waited and when they escalate (DISPUTE_ESCALATION_MS; money never moves on it).
  disputes: {
    base: (knex, ctx) =>
      knex('orders as o')
        .where('o.state', 'disputed')
        .select({
          ...dealColumns(knex),
          buyerId: 'o.buyer_id',
          buyerName: displayName(knex, 'o.buyer_id'),
          sellerId: 'o.seller_id',
          sellerName: displayName(knex, 'o.seller_id'),
          reason: 'o.dispute_reason',
          openedAt: 'o.updated_at',
          ageMs: knex.raw('(extract(epoch from (?::timestamptz - o.updated_at)) * 1000)::bigint', [ctx.now]),
          deadlineAt: knex.raw("o.updated_at + (? || ' milliseconds')::interval", [String(ctx.disputeEscalationMs)]),
          escalated: knex.raw("o.updated_at + (? || ' milliseconds')::interval < ?::timestamptz", [
            String(ctx.disputeEscalationMs),
            ctx.now,
          ]),
          evidence: knex.raw('(select count(*)::int from dispute_evidence e where e.payment_code = o.payment_code)'),
        }),
    sortable: ['ageMs', 'deadlineAt', 'totalMinor', 'productName', 'evidence'],
    defaultSort: { sort: 'ageMs', dir: 'desc' },
    text: ['transactionCode', 'productName', 'buyerName', 'sellerName', 'buyerId', 'sellerId', 'reason'],
    exact: ['currency', 'escalated'],
  },
  payouts: {
    base: (knex, ctx) =>
      knex('payouts as p')
        .where('p.state', 'held')
        .select({
          payoutId: 'p.payout_id',
          userId: 'p.user_id',
          userName: displayName(knex, 'p.user_id'),
          amountMinor: knex.raw('p.amount_minor::bigint'),
          currency: 'p.currency',
          accountMasked: 'p.account_masked',
          holdReasons: 'p.hold_reasons',
          approvals: 'p.release_approvals',
          approvalCount: knex.raw('jsonb_array_length(p.release_approvals)'),
          createdAt: 'p.created_at',
          ageMs: knex.raw('(extract(epoch from (?::timestamptz - p.created_at)) * 1000)::bigint', [ctx.now]),
        }),
    sortable: ['ageMs', 'amountMinor', 'approvalCount'],
    defaultSort: { sort: 'ageMs', dir: 'desc' },
    text: ['payoutId', 'userName', 'userId', 'accountMasked'],
    exact: ['currency'],
  },
  // S406/S407: more than one phone within the binding period, or a virtual number, and not yet cleared by support.
  bindings: {
    base: (knex, ctx) =>
      knex('phone_bindings as b')
        .whereNull('b.cleared_at')
        .where('b.bound_at', '>', new Date(ctx.now.getTime() - ctx.phoneBindingPeriodMs))
        .groupBy('b.user_id')
        .havingRaw('count(distinct b.phone_hash) > 1 or bool_or(b.is_virtual)')
        .select({
          userId: 'b.user_id',
          userName: displayName(knex, 'b.user_id'),
          phones: knex.raw('count(distinct b.phone_hash)::int'),
          virtualNumber: knex.raw('bool_or(b.is_virtual)'),
          masks: knex.raw("string_agg(distinct b.phone_masked, ', ')"),
          lastBoundAt: knex.raw('max(b.bound_at)'),
        }),
    sortable: ['lastBoundAt', 'phones'],
    defaultSort: { sort: 'lastBoundAt', dir: 'desc' },
    text: ['userName', 'userId', 'masks'],
    exact: ['virtualNumber'],
  },
  lockouts: {
    base: (knex) =>
      knex('wallets as w')
        .where('w.state', 'locked')
        .select({
          userId: 'w.user_id',
          userName: displayName(knex, 'w.user_id'),
          lockouts: 'w.lockouts',
          lockedUntil: 'w.locked_until',
          updatedAt: 'w.updated_at',
        }),
    sortable: ['updatedAt', 'lockedUntil', 'lockouts'],
    defaultSort: { sort: 'updatedAt', dir: 'desc' },
    text: ['userName', 'userId'],
    exact: [],
  },
  parked: {
    base: (knex, ctx) =>
      knex('orders as o')
        .where('o.state', 'parked')
        .select({
          ...dealColumns(knex),
          parkReason: 'o.park_reason',
          parkDetail: 'o.park_detail',
          parkedAt: 'o.updated_at',
          ageMs: knex.raw('(extract(epoch from (?::timestamptz - o.updated_at)) * 1000)::bigint', [ctx.now]),
        }),
    sortable: ['ageMs', 'totalMinor', 'parkReason'],
    defaultSort: { sort: 'ageMs', dir: 'desc' },
    text: ['transactionCode', 'productName', 'parkReason', 'parkDetail'],
    exact: ['currency', 'parkReason'],
  },
  // Chat events set aside (gave_up): what failed, for whom, and how often.
  'line-events': {
    base: (knex) =>
      knex('line_inbox as i')
        .where('i.outcome', 'gave_up')
        .whereNotNull('i.processed_at')
        .select({
          eventId: 'i.webhook_event_id',
          eventType: 'i.event_type',
          userId: 'i.user_id',
          userName: displayName(knex, 'i.user_id'),
          attempts: 'i.attempts',
          lastError: 'i.last_error',
          failureKind: 'i.last_failure_kind',
          receivedAt: 'i.received_at',
          gaveUpAt: 'i.processed_at',
        }),
    sortable: ['gaveUpAt', 'receivedAt', 'attempts'],
    defaultSort: { sort: 'gaveUpAt', dir: 'desc' },
    text: ['eventId', 'eventType', 'userName', 'userId', 'lastError', 'failureKind'],
    exact: ['eventType', 'failureKind'],
  },
};

export const queueQuerySchema = z
  .object({
    q: z.string().trim().max(100).optional(),
    sort: z.string().max(40).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(20),
  })
  .catchall(z.string().max(100));

export type QueueQuery = z.infer<typeof queueQuerySchema>;

export interface QueuePage {
  queue: QueueName;
  rows: Record<string, unknown>[];
  total: number;
  page: number;
  pageSize: number;
  sort: string;
  dir: 'asc' | 'desc';
  sortable: readonly string[];
  filters: readonly string[];
}

export class QueueInputError extends Error {}

export async function readQueue(knex: Knex, name: QueueName, query: QueueQuery, ctx: QueueContext): Promise<QueuePage> {
  const def = QUEUES[name];
  const {
    q,
    sort = def.defaultSort.sort,
    dir = sort === def.defaultSort.sort ? def.defaultSort.dir : 'asc',
    page,
    pageSize,
    ...rest
  } = query;
  if (!def.sortable.includes(sort)) throw new QueueInputError(`sort must be one of ${def.sortable.join(', ')}`);
  const filtered = knex.from(def.base(knex, ctx).as('q'));
  for (const [key, value] of Object.entries(rest)) {
    if (!def.exact.includes(key)) throw new QueueInputError(`unknown filter ${key}; filters: ${def.exact.join(', ') || 'none'}`);
    if (value !== '') filtered.whereRaw('??::text = ?', [key, value]);
  }
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    filtered.where((w) => {
      for (const column of def.text) w.orWhereRaw('??::text ilike ?', [column, pattern]);
    });
  }
  const [{ n }] = await filtered.clone().count<{ n: string }[]>('* as n');
  const rows = await filtered
    .select('*')
    .orderByRaw(`?? ${dir} nulls last`, [sort])
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return {
    queue: name,
    rows: rows.map(plain),
    total: Number(n),
    page,
    pageSize,
    sort,
    dir,
    sortable: def.sortable,
    filters: def.exact,
  };
}

/** bigint columns arrive as strings from pg; amounts and ages are safe integers here. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = typeof v === 'string' && /Minor$|Ms$/.test(k) && /^-?\d+$/.test(v) ? Number(v) : v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
