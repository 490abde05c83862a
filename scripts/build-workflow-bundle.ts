import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../worker/create-worker';

/**
 * `tsx scripts/build-workflow-bundle.ts <file>`: the workflow bundle built ahead (the container
 * image's), so a worker starts without bundling; it reads it through WORKFLOW_BUNDLE_PATH.
 */
async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: build-workflow-bundle <output file>');
  const bundle = await bundleWorkflows();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, bundle.code);
  console.log(`workflow bundle: ${out} (${bundle.code.length} bytes)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
