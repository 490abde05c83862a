import { z } from 'zod';
import { ConfigError, optionalString } from '../config/env';
import { CURRENCIES } from '../domain/money';

/**
 * Velocity rules (sliding windows per buyer, seller or bound phone) and account tiers with
 * calendar-month caps. The policy is data: the defaults below, or LIMIT_POLICY as JSON.
 */
export const LIMIT_SUBJECTS = ['buyer', 'seller', 'phone'] as const;
export type LimitSubject = (typeof LIMIT_SUBJECTS)[number];

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Longer windows belong to tiers (calendar months), not sliding rules. */
const MAX_RULE_WINDOW_MS = 31 * DAY_MS;

const ruleSchema = z.object({
  name: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  subject: z.enum(LIMIT_SUBJECTS),
  windowMs: z.number().int().positive().max(MAX_RULE_WINDOW_MS),
  /** count: payments in the window including this one; amount: their sum in the policy currency. */
  measure: z.enum(['count', 'amount']),
  max: z.number().int().nonnegative(),
});

const tierSchema = z.object({
  /** What an account of this tier may pay in a calendar month (Taiwan time), in minor units. */
  monthlySpendMinor: z.number().int().nonnegative(),
  /** What an account of this tier may receive as a seller in a calendar month. */
  monthlyReceiveMinor: z.number().int().nonnegative(),
});

export const limitPolicySchema = z
  .object({
    /** Amount rules and tier caps are in this currency; payments in others are only counted. */
    currency: z.enum(CURRENCIES),
    rules: z.array(ruleSchema),
    tiers: z.record(z.string().regex(/^[a-z0-9_-]{1,32}$/), tierSchema),
    defaultTier: z.string(),
  })
  .refine((p) => p.defaultTier in p.tiers, { message: 'defaultTier must be one of tiers' })
  .refine((p) => new Set(p.rules.map((r) => r.name)).size === p.rules.length, { message: 'rule names must be unique' });

export type VelocityRule = z.infer<typeof ruleSchema>;
export type TierCaps = z.infer<typeof tierSchema>;
export type LimitPolicy = z.infer<typeof limitPolicySchema>;

export const DEFAULT_LIMIT_POLICY: LimitPolicy = {
  currency: 'TWD',
  rules: [
    { name: 'buyer.payments_per_hour', subject: 'buyer', windowMs: HOUR_MS, measure: 'count', max: 5 },
    { name: 'buyer.amount_per_day', subject: 'buyer', windowMs: DAY_MS, measure: 'amount', max: 100_000 },
    { name: 'seller.payments_per_hour', subject: 'seller', windowMs: HOUR_MS, measure: 'count', max: 60 },
    { name: 'seller.amount_per_day', subject: 'seller', windowMs: DAY_MS, measure: 'amount', max: 1_000_000 },
    // One phone behind several accounts is a classic mule pattern: the phone gets buyer limits.
    { name: 'phone.payments_per_hour', subject: 'phone', windowMs: HOUR_MS, measure: 'count', max: 5 },
    { name: 'phone.amount_per_day', subject: 'phone', windowMs: DAY_MS, measure: 'amount', max: 100_000 },
  ],
  tiers: {
    basic: { monthlySpendMinor: 30_000, monthlyReceiveMinor: 100_000 },
    verified: { monthlySpendMinor: 500_000, monthlyReceiveMinor: 2_000_000 },
    business: { monthlySpendMinor: 2_000_000, monthlyReceiveMinor: 20_000_000 },
  },
  defaultTier: 'basic',
};

export function limitPolicyFromEnv(env: Record<string, string | undefined> = process.env): LimitPolicy {
  const raw = optionalString(env, 'LIMIT_POLICY');
  if (raw === undefined) return DEFAULT_LIMIT_POLICY;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError('LIMIT_POLICY', `is not JSON: ${(err as Error).message}`);
  }
  const parsed = limitPolicySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('LIMIT_POLICY', `${issue.path.join('.') || '(policy)'}: ${issue.message}`);
  }
  return parsed.data;
}
