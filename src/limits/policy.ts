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

/** One million minor units of a currency count as this many minor units of the policy currency. */
const RATE_SCALE_MINOR = 1_000_000;

export const limitPolicySchema = z
  .object({
    /** Amount rules and tier caps are in this currency; payments in others are converted at referenceRates. */
    currency: z.enum(CURRENCIES),
    /**
     * Reference rates for limits only (not for money): policy-currency minor units per million
     * minor units of each currency. Reviewed by compliance, rounded up, so a payment in another
     * currency never counts for less than it is worth.
     */
    referenceRates: z.record(z.enum(CURRENCIES), z.number().int().positive()),
    rules: z.array(ruleSchema),
    tiers: z.record(z.string().regex(/^[a-z0-9_-]{1,32}$/), tierSchema),
    defaultTier: z.string(),
  })
  .refine((p) => p.defaultTier in p.tiers, { message: 'defaultTier must be one of tiers' })
  .refine((p) => CURRENCIES.every((c) => p.referenceRates[c] !== undefined), {
    message: `referenceRates needs every currency: ${CURRENCIES.join(', ')}`,
  })
  .refine((p) => p.referenceRates[p.currency] === RATE_SCALE_MINOR, {
    message: `referenceRates of the policy currency must be ${RATE_SCALE_MINOR}`,
  })
  .refine((p) => new Set(p.rules.map((r) => r.name)).size === p.rules.length, { message: 'rule names must be unique' });

export type VelocityRule = z.infer<typeof ruleSchema>;
export type TierCaps = z.infer<typeof tierSchema>;
export type LimitPolicy = z.infer<typeof limitPolicySchema>;

export const DEFAULT_LIMIT_POLICY: LimitPolicy = {
  currency: 'TWD',
  // TWD whole dollars per million minor units, rounded up (November 2026): JPY 0.21, THB 0.93 per
  // baht (100 satang), USD 32.1 per dollar (100 cents).
  referenceRates: { TWD: 1_000_000, JPY: 210_000, THB: 9_300, USD: 321_000 },
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

/** An amount as the limits count it: in the policy currency, rounded up. */
export function policyAmountMinor(policy: LimitPolicy, amountMinor: number, currency: string): number {
  const rate = policy.referenceRates[currency as keyof LimitPolicy['referenceRates']];
  if (rate === undefined) throw new Error(`no reference rate for ${currency}: limits cannot count this payment`);
  const scaled = BigInt(amountMinor) * BigInt(rate);
  const scale = BigInt(RATE_SCALE_MINOR);
  return Number((scaled + scale - 1n) / scale);
}

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
