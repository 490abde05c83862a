import { condition, patched, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PayoutActivities, PayoutCommit } from '../activities/payout-activities';
import type { DealMessage, Outgoing } from '../src/chat/messages';
import { stepOptions } from './step-options';
import { refuse } from './refusal';
import {
  decideHeldPayoutUpdate,
  FOUR_EYES_HOLD_REASONS,
  payoutResultUpdate,
  payoutViewQuery,
  type PayoutRequest,
  type PayoutResult,
  type PayoutState,
  type PayoutView,
  type PayoutWorkflowInput,
  type SupportDecision,
  type DecisionOutcome,
} from './payout-messages';

export * from './payout-messages';

/**
 * A payout: money from the party's e-wallet to their verified bank account through the payout
 * provider (the newsletter's disbursement). The money is reserved first (a pending ledger
 * transfer), screened, held for support when a risk rule or the watch-list says so, sent, and
 * the reservation is posted when the provider says paid or voided when it fails. Every step is
 * keyed by the payout id, so a crash anywhere repeats a step without repeating its effect.
 */
/** Payouts held before four eyes keep needing one approval (their histories replay as they ran). */
const FOUR_EYES_PATCH = 'payout-four-eyes';

const act = proxyLocalActivities<PayoutActivities>(stepOptions());

const SYSTEM_ACTOR = 'system:payout';

export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutView> {
  const req: PayoutRequest = { payoutId: input.payoutId, userId: input.userId, amountMinor: input.amountMinor, currency: input.currency };
  const view: PayoutView = {
    payoutId: input.payoutId,
    state: 'requested',
    amountMinor: input.amountMinor,
    currency: input.currency,
    holdReasons: [],
  };
  let version = 0;
  const approvals: SupportDecision[] = [];
  let rejection: SupportDecision | undefined;
  let approvalsNeeded = 1;
  let result: PayoutResult | undefined;

  const commit = async (state: PayoutState, fields: Partial<PayoutCommit> = {}, message?: DealMessage) => {
    view.state = state;
    version += 1;
    const messages: Outgoing[] = message ? [{ to: input.userId, message, retryKey: `${workflowInfo().workflowId}:v${version}` }] : [];
    await act.commitPayout({ payoutId: input.payoutId, stateVersion: version, state, messages, ...fields });
  };

  setHandler(payoutViewQuery, () => view);
  // Handlers only record; the main flow commits each approval and acts once the quorum is there.
  setHandler(
    decideHeldPayoutUpdate,
    (d): DecisionOutcome => {
      if (d.decision === 'reject') {
        rejection = d;
        return { outcome: 'rejecting' };
      }
      approvals.push(d);
      return approvals.length >= approvalsNeeded
        ? { outcome: 'releasing' }
        : { outcome: 'awaiting_second_approval', approvedBy: approvals.map((a) => a.agentId) };
    },
    {
      validator: (d) => {
        if (view.state !== 'held' || rejection !== undefined || approvals.length >= approvalsNeeded)
          refuse('IllegalStep', `payout is ${view.state === 'held' ? 'already decided' : view.state}, not waiting for a decision`);
        if (typeof d.agentId !== 'string' || d.agentId === '') refuse('InvalidInput', 'agentId is required');
        if (d.decision !== 'release' && d.decision !== 'reject') refuse('InvalidInput', 'decision must be release or reject');
        if (d.decision === 'release' && approvals.some((a) => a.agentId === d.agentId)) {
          refuse('SameApprover', `${d.agentId} already approved this release; a different agent must give the second approval (four eyes)`);
        }
      },
    },
  );
  setHandler(
    payoutResultUpdate,
    (r) => {
      result = r;
      return { accepted: true as const };
    },
    {
      validator: (r) => {
        if (view.state !== 'sending' || r.providerPayoutId !== view.providerPayoutId || result !== undefined) {
          refuse('UnknownPayout', `provider payout ${r.providerPayoutId} is not what this payout waits for`);
        }
      },
    },
  );

  // Reserve: refused when the wallet is short or no verified account is live; nothing moves then.
  const reserved = await act.reservePayout(req);
  if (!reserved.ok) {
    view.failureReason = reserved.reason;
    await commit('refused', {
      failureReason: reserved.reason,
      audit: { actor: SYSTEM_ACTOR, action: 'payout.refused', details: { reason: reserved.reason } },
    });
    return view;
  }
  view.accountMasked = reserved.accountMasked;
  const destination = { bankAccountId: reserved.bankAccountId, accountMasked: reserved.accountMasked };

  // Screen: the watch-list and the risk rules; any reason waits for a person.
  view.holdReasons = await act.assessPayout({ req, bankAccountId: reserved.bankAccountId });
  if (view.holdReasons.length > 0) {
    // Before the state says held: a decision may arrive while the hold is being committed.
    const fourEyes = patched(FOUR_EYES_PATCH) && view.holdReasons.some((r) => FOUR_EYES_HOLD_REASONS.includes(r));
    approvalsNeeded = fourEyes ? 2 : 1;
    view.approvalsNeeded = approvalsNeeded;
    view.approvedBy = [];
    await commit(
      'held',
      {
        ...destination,
        holdReasons: view.holdReasons,
        audit: {
          actor: SYSTEM_ACTOR,
          action: 'payout.held',
          details: { reasons: view.holdReasons, amountMinor: input.amountMinor, currency: input.currency, approvalsNeeded },
        },
      },
      { kind: 'payout_held' },
    );
    const decided = await waitForDecision(); // money waits for support, never for a timer
    view.decidedBy = decided.agentId;
    const details = { note: decided.note ?? null, reasons: view.holdReasons, approvedBy: view.approvedBy };
    if (decided.decision === 'reject') {
      await act.resolvePayoutHold({ payoutId: input.payoutId, outcome: 'void' });
      await commit('rejected', {
        decidedBy: decided.agentId,
        audit: { actor: `support:${decided.agentId}`, action: 'payout.rejected', details },
      });
      return view;
    }
    await commit('sending', {
      decidedBy: decided.agentId,
      releaseApprovals: view.approvedBy,
      audit: { actor: `support:${decided.agentId}`, action: 'payout.released', details },
    });
  }

  // Send, then wait for the provider's word (webhook, or our own question when it is late).
  const sent = await act.sendPayout({ req, bankAccountId: reserved.bankAccountId });
  if (!sent.ok) return fail(sent.reason);
  view.providerPayoutId = sent.providerPayoutId;
  await commit('sending', { ...destination, providerPayoutId: sent.providerPayoutId });
  const outcome = await waitForResult(sent.providerPayoutId);
  if (!outcome.paid) return fail(outcome.failureMessage ?? outcome.failureCode ?? 'the payout failed');

  await act.resolvePayoutHold({ payoutId: input.payoutId, outcome: 'post' });
  await commit(
    'paid',
    {
      audit: {
        actor: SYSTEM_ACTOR,
        action: 'payout.paid',
        details: { providerPayoutId: sent.providerPayoutId, amountMinor: input.amountMinor, currency: input.currency },
      },
    },
    { kind: 'payout_sent', amountMinor: input.amountMinor, currency: input.currency, accountMasked: reserved.accountMasked },
  );
  return view;

  /**
   * The rejection, or the approval that completes the quorum. Each approval short of it is
   * committed (the row's approvals and an audit entry) as it comes; the payout stays held.
   */
  async function waitForDecision(): Promise<SupportDecision> {
    let recorded = 0;
    for (;;) {
      await condition(() => rejection !== undefined || approvals.length > recorded);
      while (recorded < approvals.length) {
        const approval = approvals[recorded];
        recorded += 1;
        view.approvedBy = approvals.slice(0, recorded).map((a) => a.agentId);
        if (recorded >= approvalsNeeded) return approval;
        await commit('held', {
          releaseApprovals: view.approvedBy,
          audit: {
            actor: `support:${approval.agentId}`,
            action: 'payout.release_approved',
            details: { note: approval.note ?? null, reasons: view.holdReasons, approvalsNeeded },
          },
        });
      }
      if (rejection !== undefined) return rejection; // approvals that came first are on record
    }
  }

  async function waitForResult(providerPayoutId: string): Promise<PayoutResult> {
    for (;;) {
      if (await condition(() => result !== undefined, input.resultWaitMs)) return result!;
      const status = await act.checkPayout({ providerPayoutId });
      if (result !== undefined) return result; // the webhook came while we asked
      if (status.status !== 'pending') {
        return {
          eventId: 'poll',
          providerPayoutId,
          paid: status.status === 'paid',
          failureCode: status.failureCode,
          failureMessage: status.failureMessage,
        };
      }
    }
  }

  async function fail(reason: string): Promise<PayoutView> {
    view.failureReason = reason;
    await act.resolvePayoutHold({ payoutId: input.payoutId, outcome: 'void' });
    await commit(
      'failed',
      { failureReason: reason, audit: { actor: SYSTEM_ACTOR, action: 'payout.failed', details: { reason } } },
      { kind: 'payout_failed', amountMinor: input.amountMinor, currency: input.currency, reason },
    );
    return view;
  }
}
