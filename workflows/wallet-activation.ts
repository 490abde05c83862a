import { allHandlersFinished, condition, patched, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import type { WalletActivities } from '../activities/wallet-activities';
import { refuse, requireText } from './refusal';
import {
  submitWalletVerificationUpdate,
  unlockWalletUpdate,
  walletActivationViewQuery,
  type VerificationOutcome,
  type WalletActivationInput,
  type WalletActivationState,
  type WalletActivationView,
} from './wallet-activation-messages';

export * from './wallet-activation-messages';

/**
 * E-wallet activation, one per user (S302–S304, S307–S309 for sellers; S501–S504 for buyers).
 * A verification code goes out with the activation request; a right answer enables the wallet;
 * wrong answers allow re-verification, then a lockout, and after too many lockouts the wallet is
 * invalidated (anti-fraud).
 */
const act = proxyLocalActivities<WalletActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidInput'] },
});

export async function walletActivationWorkflow(input: WalletActivationInput): Promise<WalletActivationView> {
  const { policy } = input;
  const view: WalletActivationView = { state: 'awaiting_verification', attemptsLeft: policy.attemptsPerRound, lockouts: 0 };
  let round = 0;
  let challengeId = '';
  /** This run's lockout can be ended early (runs that began their lockout before the patch just sleep). */
  let unlockable = false;
  let unlocked = false;

  setHandler(walletActivationViewQuery, () => view);
  setHandler(
    submitWalletVerificationUpdate,
    async ({ codeProof }) => {
      const check = await act.checkWalletCode({ challengeId, userId: input.userId, codeProof });
      if (view.state !== 'awaiting_verification') return current(view); // a lockout began meanwhile
      if (check === 'ok') {
        await act.enableWallet({ userId: input.userId }); // S308
        view.state = 'active';
        return { outcome: 'activated' as const };
      }
      view.attemptsLeft -= 1;
      if (view.attemptsLeft > 0) {
        await act.tellWallet({
          userId: input.userId,
          step: `wrong-${round}-${view.attemptsLeft}`,
          message: { kind: 'wallet_verification_failed', attemptsLeft: view.attemptsLeft },
        });
        return { outcome: 'wrong_code' as const, attemptsLeft: view.attemptsLeft };
      }
      view.lockouts += 1;
      if (view.lockouts >= policy.maxLockouts) {
        view.state = 'invalidated';
        await act.setWalletState({ userId: input.userId, state: 'invalidated', lockouts: view.lockouts });
        await act.tellWallet({ userId: input.userId, step: 'invalidated', message: { kind: 'wallet_invalidated' } });
        return { outcome: 'invalidated' as const };
      }
      view.state = 'locked';
      view.lockedUntilMs = Date.now() + policy.lockoutMs;
      const lockedUntil = new Date(view.lockedUntilMs).toISOString();
      await act.setWalletState({ userId: input.userId, state: 'locked', lockouts: view.lockouts, lockedUntil });
      await act.tellWallet({ userId: input.userId, step: `locked-${view.lockouts}`, message: { kind: 'wallet_locked', lockedUntil } });
      return { outcome: 'locked' as const, lockedUntilMs: view.lockedUntilMs };
    },
    {
      validator: ({ userId, codeProof }) => {
        if (userId !== input.userId) refuse('NotTheOwner', 'not your wallet');
        if (typeof codeProof !== 'string' || codeProof.length === 0) refuse('InvalidInput', 'codeProof is required');
        if (view.state === 'locked') refuse('WalletLocked', `locked until ${new Date(view.lockedUntilMs ?? 0).toISOString()}`);
        if (view.state !== 'awaiting_verification') refuse('IllegalStep', `wallet activation is ${view.state}`);
      },
    },
  );

  setHandler(
    unlockWalletUpdate,
    async () => {
      unlocked = true;
      await condition(() => view.state !== 'locked');
      return view;
    },
    {
      validator: ({ staffId }) => {
        requireText(staffId, 'staffId');
        if (view.state !== 'locked' || unlocked) refuse('IllegalStep', `wallet activation is ${view.state}, not locked`);
        if (!unlockable) refuse('IllegalStep', 'this lockout began before early unlock existed; it ends by itself');
      },
    },
  );

  const ready = await act.prepareWallet({ userId: input.userId });
  if (ready !== 'inactive') {
    view.state = ready === 'active' ? 'active' : 'invalidated';
    return view;
  }
  for (;;) {
    round += 1;
    view.state = 'awaiting_verification';
    view.attemptsLeft = policy.attemptsPerRound;
    challengeId = (await act.issueWalletCode({ userId: input.userId, role: input.role, round, ttlMs: policy.activationTtlMs })).challengeId; // S303 / S503
    const settled = await condition(() => view.state !== 'awaiting_verification', policy.activationTtlMs);
    if (!settled) {
      view.state = 'abandoned';
      return view;
    }
    if (isFinal(view.state)) {
      await condition(allHandlersFinished); // the handler's last messages go out before we end
      return view;
    }
    // S309: no new registration until the lockout passes (or support unlocks the wallet).
    if (patched('wallet-unlock')) {
      unlockable = true;
      await condition(() => unlocked, policy.lockoutMs);
      unlockable = false;
      unlocked = false;
    } else {
      await sleep(policy.lockoutMs);
    }
    await act.setWalletState({ userId: input.userId, state: 'inactive', lockouts: view.lockouts });
  }
}

function current(view: WalletActivationView): VerificationOutcome {
  if (view.state === 'active') return { outcome: 'activated' };
  if (view.state === 'invalidated') return { outcome: 'invalidated' };
  return { outcome: 'locked', lockedUntilMs: view.lockedUntilMs ?? 0 };
}

function isFinal(state: WalletActivationState): boolean {
  return state === 'active' || state === 'invalidated';
}
