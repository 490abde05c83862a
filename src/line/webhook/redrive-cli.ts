import os from 'node:os';
import { parseArgs } from 'node:util';
import { requiredString } from '../../config/env';
import { createKnex } from '../../db/knex';
import { INBOX_STATUSES, listInboxEvents, redriveEvents, type InboxStatus, type RedriveTarget } from './inbox-admin';
import { cliLogger } from '../../observability/logger';

const log = cliLogger('inbox-redrive');

/**
 * `npm run inbox:redrive -- --event <webhookEventId> [--event …]` | `--all-gave-up` | `--list [status]`
 * against DATABASE_URL. Re-driving puts gave_up events back to pending with a fresh budget and
 * records each in the audit log under `cli:<os user>` (or --actor). Exit 0 = done, 1 = some ids
 * were not gave_up, 2 = wrong usage or could not run.
 */
const USAGE =
  'usage: inbox:redrive -- (--event <webhookEventId>)... | --all-gave-up | --list [pending|done|ignored|gave_up] [--actor <name>]';

export function parseRedriveArgs(argv: string[]): { list: InboxStatus } | { target: RedriveTarget; actor?: string } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      event: { type: 'string', multiple: true },
      'all-gave-up': { type: 'boolean' },
      list: { type: 'boolean' },
      actor: { type: 'string' },
    },
    allowPositionals: true,
  });
  const modes = [values.event !== undefined, values['all-gave-up'] === true, values.list === true].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('choose exactly one of --event, --all-gave-up, --list');
  if (values.list) {
    const status = positionals[0] ?? 'gave_up';
    if (!(INBOX_STATUSES as readonly string[]).includes(status)) throw new UsageError(`unknown status ${status}`);
    return { list: status as InboxStatus };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(' ')}`);
  const target: RedriveTarget = values['all-gave-up'] ? { allGaveUp: true } : { eventIds: values.event! };
  return { target, ...(values.actor !== undefined ? { actor: values.actor } : {}) };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let command: ReturnType<typeof parseRedriveArgs>;
  try {
    command = parseRedriveArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const knex = createKnex(requiredString(process.env, 'DATABASE_URL'), 1);
  try {
    if ('list' in command) {
      const events = await listInboxEvents(knex, command.list, 500);
      for (const e of events)
        console.log(
          `${e.webhookEventId}\t${e.eventType}\t${e.userId}\t${e.status}\tattempts=${e.attempts}\t${e.processedAt ?? e.receivedAt}\t${e.lastFailureKind ?? '-'}: ${e.lastError ?? '-'}`,
        );
      console.log(`${events.length} ${command.list} event(s)`);
      return 0;
    }
    const actor = `cli:${command.actor ?? os.userInfo().username}`;
    const result = await redriveEvents(knex, command.target, actor);
    for (const id of result.redriven) console.log(`re-driven ${id}`);
    for (const id of result.skipped) log.error({ webhookEventId: id }, `not re-driven ${id}: not a gave_up event`);
    log.info({ redriven: result.redriven.length, actor }, `${result.redriven.length} event(s) back to pending (audited as ${actor})`);
    return result.skipped.length > 0 ? 1 : 0;
  } finally {
    await knex.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      log.error(`inbox:redrive failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
