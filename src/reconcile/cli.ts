import { parseArgs } from 'node:util';
import { requiredString } from '../config/env';
import { loadSettings } from '../config/settings';
import { createKnex } from '../db/knex';
import { createPayoutProvider } from '../payout';
import { describeDifference, reconcilePayouts } from './payouts';
import { describePaymentDifference, reconcilePayments } from './payments';
import { createPaymentProvider } from '../payment';
import { cliLogger } from '../observability/logger';

const log = cliLogger('reconcile');

/**
 * `npm run reconcile -- [--source payouts|payments] [--from ISO] [--to ISO] [--json]`: our
 * ledger's payouts against the payout provider's statement (PAYOUT_BASE_URL, PAYOUT_API_KEY), or
 * its charges and refunds against the payment provider's (PAYMENT_BASE_URL, PAYMENT_API_KEY);
 * DATABASE_URL either way. The same comparison the nightly schedule runs, by hand, without
 * recording or alerting. Default: payouts over the last day.
 * Exit 0 = in agreement, 1 = differences (listed), 2 = could not reconcile.
 */
const DEFAULT_RANGE_MS = 24 * 60 * 60 * 1000;

function instant(value: string | undefined, name: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`--${name} must be an ISO 8601 time, got "${value}"`);
  return at;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { source: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  });
  const source = values.source ?? 'payouts';
  if (source !== 'payouts' && source !== 'payments') throw new Error(`--source must be payouts or payments, got "${source}"`);
  const to = instant(values.to, 'to', new Date());
  const from = instant(values.from, 'from', new Date(to.getTime() - DEFAULT_RANGE_MS));
  const settings = loadSettings(process.env);
  const knex = createKnex(requiredString(process.env, 'DATABASE_URL'), 2);
  try {
    if (source === 'payments') {
      const payments = createPaymentProvider({ baseUrl: settings.payments.baseUrl, apiKey: settings.payments.apiKey });
      const report = await reconcilePayments(knex, payments, { from, to });
      if (values.json) console.log(JSON.stringify(report, null, 2));
      else {
        console.log(
          `payments ${report.range.from} … ${report.range.to}: ledger ${report.ledgerEntries}, statement ${report.statementEntries}, differences ${report.differences.length}`,
        );
        for (const difference of report.differences) console.log(`  ${difference.kind}: ${describePaymentDifference(difference)}`);
      }
      return report.differences.length > 0 ? 1 : 0;
    }
    const provider = createPayoutProvider({ baseUrl: settings.payouts.baseUrl, apiKey: settings.payouts.apiKey });
    const report = await reconcilePayouts(knex, provider, { from, to });
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(
        `payouts ${report.range.from} … ${report.range.to}: ledger ${report.ledgerEntries}, statement ${report.statementEntries}, differences ${report.differences.length}`,
      );
      for (const difference of report.differences) console.log(`  ${difference.kind}: ${describeDifference(difference)}`);
    }
    return report.differences.length > 0 ? 1 : 0;
  } finally {
    await knex.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log.error(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
