import { requiredString } from '../config/env';
import { createKnex } from '../db/knex';
import { verifyAuditChain } from './verify';
import { cliLogger } from '../observability/logger';

const log = cliLogger('audit-verify');

/**
 * `tsx src/audit/verify-cli.ts`: walks the audit chain in DATABASE_URL.
 * Exit 0 = intact, 1 = broken (the first broken link is printed), 2 = could not check.
 */
async function main(): Promise<number> {
  const knex = createKnex(requiredString(process.env, 'DATABASE_URL'), 1);
  try {
    const result = await verifyAuditChain(knex);
    if (result.ok) {
      log.info(result, `audit chain intact: ${result.rows} rows, head seq ${result.headSeq ?? '-'} hash ${result.headHash}`);
      return 0;
    }
    log.error(result, `audit chain BROKEN at seq ${result.firstBrokenSeq}: ${result.reason}`);
    return 1;
  } finally {
    await knex.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log.error(`audit chain not checked: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
