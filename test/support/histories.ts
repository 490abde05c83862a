import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli } from '../../src/runtime/temporal-cli';
import type { DealHarness } from './deal-harness';
import { testTemporalAddress } from './env';

/**
 * Golden histories for replay tests. `RECORD_HISTORIES=1 npm test` rewrites them from real
 * runs (through `temporal workflow show --output json`, the format the Web UI exports too);
 * normally tests only read them, so a change that would break a running deal fails replay.
 */
export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

export async function recordHistory(h: DealHarness, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await h.client.workflow.getHandle(workflowId).result();
  const cli = await findTemporalCli(process.env);
  const json = execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', testTemporalAddress()],
    { encoding: 'utf8' },
  );
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}
