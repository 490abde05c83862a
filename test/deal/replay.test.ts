import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { sharedWorkflowBundle } from '../support/bundle';
import { HISTORIES_DIR } from '../support/histories';
import { dataConverterFromEnv } from '../../src/temporal/codec';

/** Today's workflow code must replay every committed history of real deals without divergence. */
describe('replay of committed deal histories', () => {
  const files = fs.existsSync(HISTORIES_DIR)
    ? fs
        .readdirSync(HISTORIES_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];

  it('has the golden histories: happy path, dispute, silent release, attribution error', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'happy-path.json',
        'dispute-refund.json',
        'dispute-split.json',
        'silent-release.json',
        'attribution-error.json',
      ]),
    );
  });

  it('replays each of them deterministically', async () => {
    const bundle = await sharedWorkflowBundle();
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, f), 'utf8'))),
    }));
    const results: Array<{ workflowId: string; error?: unknown }> = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: bundle, dataConverter: dataConverterFromEnv(process.env) },
      histories,
    ))
      results.push(result);
    expect(results.map((r) => [r.workflowId, r.error === undefined ? 'ok' : String(r.error)])).toEqual(
      files.map((f) => [path.basename(f, '.json'), 'ok']),
    );
  });
});
