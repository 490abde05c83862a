import { z } from 'zod';
import { ConfigError, optionalString } from '../config/env';
import { CURRENCIES, type Currency } from '../domain/money';
import { FEE_PAYERS, type FeePolicy, type FeeSchedule } from './fees';

/**
 * PLATFORM_FEES: JSON, per currency `{ "bps": 250, "minMinor": 10, "payer": "seller" }`; a
 * currency or a field left out keeps its default. Defaults: 2.5 % (card acquiring in Taiwan is
 * about 2.75 %, ECPay's published rate), a minimum of about NT$10 in each currency, the seller pays.
 */
export const DEFAULT_FEES: FeeSchedule = {
  TWD: { bps: 250, minMinor: 10, payer: 'seller' },
  JPY: { bps: 250, minMinor: 50, payer: 'seller' },
  THB: { bps: 250, minMinor: 1_000, payer: 'seller' },
  USD: { bps: 250, minMinor: 30, payer: 'seller' },
};

const policySchema = z
  .object({
    bps: z.number().int().min(0).max(5_000),
    minMinor: z.number().int().min(0),
    payer: z.enum(FEE_PAYERS as [FeePolicy['payer'], ...FeePolicy['payer'][]]),
  })
  .strict()
  .partial();
const scheduleSchema = z.record(z.enum(CURRENCIES), policySchema);

export function feeScheduleFromEnv(env: Record<string, string | undefined>): FeeSchedule {
  const raw = optionalString(env, 'PLATFORM_FEES');
  if (raw === undefined) return DEFAULT_FEES;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError('PLATFORM_FEES', `is not JSON: ${(err as Error).message}`);
  }
  const parsed = scheduleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('PLATFORM_FEES', `${issue.path.join('.') || '(fees)'}: ${issue.message}`);
  }
  const schedule = { ...DEFAULT_FEES };
  for (const currency of CURRENCIES) schedule[currency as Currency] = { ...DEFAULT_FEES[currency], ...parsed.data[currency] };
  return schedule;
}
