import fs from 'node:fs';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/create-worker';

/**
 * Workflow bundling takes seconds; the global setup does it once per run and leaves the code in
 * a file (WORKFLOW_BUNDLE_PATH), so every test file's workers share it.
 */
let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

export function sharedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const file = process.env.WORKFLOW_BUNDLE_PATH;
  if (file && fs.existsSync(file)) {
    cached ??= Promise.resolve({ code: fs.readFileSync(file, 'utf8'), sourceMap: '' } as WorkflowBundleWithSourceMap);
  }
  cached ??= bundleWorkflows();
  return cached;
}
