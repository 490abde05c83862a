import { condition, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PayoutActivities, PayoutCommit } from '../activities/payout-activities';
import type { DealMessage, Outgoing } from '../src/chat/messages';
import { stepOptions } from './step-options';
import { refuse } from './refusal';
import {
  decideHeldPayoutUpdate,
  payoutResultUpdate,
  payoutViewQuery,
  type PayoutRequest,
  type PayoutResult,
  type PayoutState,
  type PayoutView,
  type PayoutWorkflowInput,
  type SupportDecision,
} from './payout-messages';

export * from './payout-messages';

/**
 * A payout: money from the party's e-wallet to their verified bank account through the payout
 * provider (the newsletter's disbursement). The money is reserved first (a pending ledger
 * transfer), screened, held for support when a risk rule or the watch-list says so, sent, and
 * the reservation is posted when the provider says paid or voided when it fails. Every step is
 * keyed by the payout id, so a crash anywhere repeats a step without repeating its effect.
 */
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
  let decision: SupportDecision | undefined;
  let result: PayoutResult | undefined;

  const commit = async (state: PayoutState, fields: Partial<PayoutCommit> = {}, message?: DealMessage) => {
    view.state = state;
    version += 1;
    const messages: Outgoing[] = message ? [{ to: input.userId, message, retryKey: `${workflowInfo().workflowId}:v${version}` }] : [];
    await act.commitPayout({ payoutId: input.payoutId, stateVersion: version, state, messages, ...fields });
  };

  setHandler(payoutViewQuery, () => view);
  setHandler(
    decideHeldPayoutUpdate,
    (d) => {
      decision = d;
      return { outcome: d.decision === 'release' ? ('releasing' as const) : ('rejecting' as const) };
    },
    {
      validator: (d) => {
        if (view.state !== 'held' || decision !== undefined) refuse('IllegalStep', `payout is ${view.state}, not held`);
        if (typeof d.agentId !== 'string' || d.agentId === '') refuse('InvalidInput', 'agentId is required');
        if (d.decision !== 'release' && d.decision !== 'reject') refuse('InvalidInput', 'decision must be release or reject');
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
    await commit(
      'held',
      {
        ...destination,
        holdReasons: view.holdReasons,
        audit: {
          actor: SYSTEM_ACTOR,
          action: 'payout.held',
          details: { reasons: view.holdReasons, amountMinor: input.amountMinor, currency: input.currency },
        },
      },
      { kind: 'payout_held' },
    );
    await condition(() => decision !== undefined); // money waits for support, never for a timer
    const d = decision!;
    view.decidedBy = d.agentId;
    const audit = {
      actor: `support:${d.agentId}`,
      action: d.decision === 'release' ? 'payout.released' : 'payout.rejected',
      details: { note: d.note ?? null, reasons: view.holdReasons },
    };
    if (d.decision === 'reject') {
      await act.resolvePayoutHold({ payoutId: input.payoutId, outcome: 'void' });
      await commit('rejected', { decidedBy: d.agentId, audit });
      return view;
    }
    await commit('sending', { decidedBy: d.agentId, audit });
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
