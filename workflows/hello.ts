import { proxyActivities } from '@temporalio/workflow';
import type { HelloActivities } from '../activities/hello-activities';

/**
 * The smallest workflow: one activity. Operators use it to check a worker end to end, and the
 * deals benchmark uses it as the same server's baseline rate.
 */
const { hello } = proxyActivities<HelloActivities>({ startToCloseTimeout: '10s' });

export async function helloWorkflow(name: string): Promise<string> {
  return hello(name);
}
