import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Settings } from '../config/settings';
import { walletActivationWorkflowId } from '../domain/ids';
import { otpProof } from '../otp/otp';

/**
 * What the api and the activities share about wallet activation: how a typed code becomes its
 * keyed proof, and how the user's activation workflow is started (or joined).
 */
export const walletChallengeSubject = (userId: string) => `wallet:${userId}`;

export function walletCodeProof(secret: string, userId: string, code: string): string {
  return otpProof(secret, walletChallengeSubject(userId), userId, code);
}

/** S302/S502 and S303/S503: start (or join) the user's activation workflow. */
export async function startWalletActivation(
  deps: { temporal: Client; settings: Settings },
  userId: string,
  role: 'buyer' | 'seller',
): Promise<void> {
  await deps.temporal.workflow.start('walletActivationWorkflow', {
    taskQueue: deps.settings.taskQueue,
    workflowId: walletActivationWorkflowId(userId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [{ userId, role, policy: deps.settings.wallet, publicBaseUrl: deps.settings.publicBaseUrl }],
  });
}
