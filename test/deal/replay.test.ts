import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { sharedWorkflowBundle } from '../support/bundle';
import { goldenHistories, registeredWorkflows, workflowTypeOf, type GoldenHistory } from '../support/histories';
import { dataConverterFromEnv } from '../../src/temporal/codec';

/** The worker's smoke-test workflow (one activity, used by operators and the benchmark): no paths to keep. */
const WITHOUT_HISTORY = new Set(['helloWorkflow']);

/** The patches a history's run took (the SDK's `core_patch` markers name them). */
function patchesIn(history: GoldenHistory['json']): string[] {
  return history.events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .flatMap((e) => e.markerRecordedEventAttributes.details['patch-data'].payloads)
    .map((p: { data: string }) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')).id as string);
}

/** Today's workflow code must replay every committed history of real runs without divergence. */
describe('replay of committed workflow histories', () => {
  const histories = goldenHistories();
  const ids = histories.map((h) => h.id);

  it('has golden histories for every workflow the worker registers, each in its workflow’s folder', () => {
    const workflows = registeredWorkflows();
    expect(workflows.map((w) => w.type)).toEqual(
      expect.arrayContaining(['orderWorkflow', 'walletActivationWorkflow', 'payoutWorkflow', 'quickReceiveWorkflow']),
    );
    for (const w of workflows.filter((w) => !WITHOUT_HISTORY.has(w.type))) {
      expect([w.type, histories.filter((h) => h.folder === w.folder).length > 0]).toEqual([w.type, true]);
    }
    expect(histories.map((h) => [h.id, workflowTypeOf(h.json)])).toEqual(
      histories.map((h) => [h.id, workflows.find((w) => w.folder === h.folder)?.type]),
    );
  });

  it('has the golden deal histories: happy path, dispute, silent release, attribution error', () => {
    expect(ids).toEqual(
      expect.arrayContaining([
        'order/happy-path',
        'order/dispute-refund',
        'order/dispute-split',
        'order/silent-release',
        'order/attribution-error',
      ]),
    );
  });

  it('has the payout, quick-receive and wallet-activation paths, the wallet on both sides of patched(wallet-unlock)', () => {
    expect(ids).toEqual(
      expect.arrayContaining([
        'payout/paid',
        'payout/held-released',
        'quick-receive/verified-then-idle',
        'wallet-activation/unlocked-by-support',
        'wallet-activation/before-unlock-patch',
      ]),
    );
    const patches = (id: string) => patchesIn(histories.find((h) => h.id === id)!.json);
    // Recorded from the code before commit 9082a2f: its lockout slept, with no patch marker.
    expect(patches('wallet-activation/before-unlock-patch')).toEqual([]);
    expect(patches('wallet-activation/unlocked-by-support')).toEqual(['wallet-unlock']);
  });

  it('has the deal on both sides of patched(hosted-checkout): a token charge from before, and the hosted checkout', () => {
    expect(ids).toEqual(expect.arrayContaining(['order/happy-path', 'order/hosted-checkout']));
    const patches = (id: string) => patchesIn(histories.find((h) => h.id === id)!.json);
    expect(patches('order/happy-path')).toEqual([]); // recorded before the hosted checkout: cannot be re-recorded
    expect(patches('order/hosted-checkout')).toEqual(['hosted-checkout']);
  });

  it('replays each of them deterministically', async () => {
    const bundle = await sharedWorkflowBundle();
    const replays = histories.map((h) => ({ workflowId: h.id, history: historyFromJSON(h.json) }));
    const results: Array<{ workflowId: string; error?: unknown }> = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: bundle, dataConverter: dataConverterFromEnv(process.env) },
      replays,
    ))
      results.push(result);
    expect(results.map((r) => [r.workflowId, r.error === undefined ? 'ok' : String(r.error)])).toEqual(ids.map((id) => [id, 'ok']));
  });
});
