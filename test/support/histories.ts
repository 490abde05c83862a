import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli } from '../../src/runtime/temporal-cli';
import type { DealHarness } from './deal-harness';
import { testTemporalAddress } from './env';

/**
 * Golden histories for replay tests, one folder per workflow file (test/histories/order/,
 * test/histories/payout/, ...). `RECORD_HISTORIES=1 npm test` rewrites them from real runs
 * (through `temporal workflow show --output json`, the format the Web UI exports too);
 * normally tests only read them, so a change that would break a running workflow fails replay.
 */
export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');
const WORKFLOWS_INDEX = path.join(__dirname, '..', '..', 'workflows', 'index.ts');

export interface RegisteredWorkflow {
  /** The workflow type, as histories name it (`orderWorkflow`). */
  type: string;
  /** Its file in workflows/ and its folder here (`order`). */
  folder: string;
}

/**
 * The workflows the worker registers, read from workflows/index.ts rather than imported: loading
 * workflow modules outside the sandbox is not what they are written for.
 */
export function registeredWorkflows(): RegisteredWorkflow[] {
  const source = fs.readFileSync(WORKFLOWS_INDEX, 'utf8');
  return [...source.matchAll(/export \{ (\w+) \} from '\.\/([\w-]+)';/g)].map(([, type, folder]) => ({ type, folder }));
}

export interface GoldenHistory {
  /** `<folder>/<name>`, e.g. `payout/paid`. */
  id: string;
  folder: string;
  file: string;
  /** As exported: the JSON `temporal workflow show --output json` prints. */
  json: { events: Array<Record<string, any>> };
}

export function goldenHistories(): GoldenHistory[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  const found: GoldenHistory[] = [];
  for (const folder of fs.readdirSync(HISTORIES_DIR).sort()) {
    const dir = path.join(HISTORIES_DIR, folder);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const file = path.join(dir, name);
      found.push({ id: `${folder}/${path.basename(name, '.json')}`, folder, file, json: JSON.parse(fs.readFileSync(file, 'utf8')) });
    }
  }
  return found;
}

export function workflowTypeOf(history: GoldenHistory['json']): string | undefined {
  return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

/**
 * With RECORD_HISTORIES=1: waits for the workflow to end and writes its history to
 * test/histories/<its workflow file>/<name>.json. Otherwise does nothing.
 */
export async function recordHistory(h: DealHarness, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await h.client.workflow.getHandle(workflowId).result();
  const cli = await findTemporalCli(process.env);
  const json = execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', testTemporalAddress()],
    { encoding: 'utf8' },
  );
  const type = workflowTypeOf(JSON.parse(json));
  const workflow = registeredWorkflows().find((w) => w.type === type);
  if (!workflow) throw new Error(`${workflowId} is a ${type}, which workflows/index.ts does not register`);
  const dir = path.join(HISTORIES_DIR, workflow.folder);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), json);
}
