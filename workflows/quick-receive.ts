import { allHandlersFinished, condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { QuickReceiveActivities } from '../activities/quick-receive-activities';
import type { QuickReceiveRole, SealedBankEntry, StoredAccount } from '../src/bank-accounts';
import type { DealMessage } from '../src/chat/messages';
import { refuse } from './refusal';
import {
  quickReceiveViewQuery,
  requestQuickReceiveUpdate,
  verificationResultUpdate,
  type QuickReceiveFailure,
  type QuickReceiveInput,
  type QuickReceiveOutcome,
  type QuickReceiveRequest,
  type QuickReceiveView,
  type VerificationResult,
} from './quick-receive-messages';

export * from './quick-receive-messages';

/**
 * Quick receive, one per party (S601–S607 for a buyer, S701–S707 for a seller: the same steps,
 * the role is an input). A request is answered at once with a receiving identity code when the
 * party's platform identity has a verified bank account; otherwise the party enters the
 * account and the code their bank gave them, the verification center answers by signed
 * callback, and only a verified, unlisted account is stored and gets a code. The workflow
 * stays a while for retries and ends when idle; the next request starts a new run.
 */
const act = proxyLocalActivities<QuickReceiveActivities>({
  startToCloseTimeout: '15s',
  localRetryThreshold: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

const ROLES: readonly QuickReceiveRole[] = ['buyer', 'seller'];
/** Failure reasons as a person reads them; kept here (not in activities) because the workflow says them. */
const FAILURE_TEXT: Record<string, string> = {
  code_mismatch: 'the verification code does not match the one your bank issued',
  account_not_found: 'the bank does not know this account',
  account_frozen: 'this bank account is frozen',
  holder_name_mismatch: 'the holder name does not match the bank account',
  watch_listed: 'this bank account cannot be registered; please contact support',
  verification_refused: 'the verification center refused the request; check the details and try again',
  no_answer: 'the verification center did not answer in time; please try again',
};

export async function quickReceiveWorkflow(input: QuickReceiveInput, carried?: QuickReceiveView): Promise<QuickReceiveView> {
  const qr = new QuickReceive(input, carried);
  qr.registerHandlers();
  for (;;) {
    if (qr.pending) {
      // S604/S704: wait for the center; a lost callback is made up for by asking once.
      const answered = await condition(() => qr.pending === undefined, input.verificationTimeoutMs);
      if (!answered) await qr.pollVerification();
      continue;
    }
    const seen = qr.requests;
    const active = await condition(() => qr.requests !== seen || qr.pending !== undefined, input.idleMs);
    if (active) continue;
    await condition(allHandlersFinished);
    if (qr.requests !== seen || qr.pending) continue; // a request slipped in while we were finishing
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof quickReceiveWorkflow>(input, qr.view);
    return qr.view;
  }
}

class QuickReceive {
  readonly view: QuickReceiveView;
  requests = 0;
  pending?: { verificationId: string; entry: SealedBankEntry; role: QuickReceiveRole };
  private busy = false;
  private steps = 0;

  constructor(
    private readonly input: QuickReceiveInput,
    carried?: QuickReceiveView,
  ) {
    this.view = carried ?? { status: 'idle', attempts: 0 };
  }

  registerHandlers(): void {
    setHandler(quickReceiveViewQuery, () => this.view);

    setHandler(requestQuickReceiveUpdate, (req) => this.request(req), {
      validator: (req) => {
        if (req.userId !== this.input.userId) refuse('NotTheOwner', 'a quick receive belongs to one party');
        if (!ROLES.includes(req.role)) refuse('InvalidInput', 'role must be buyer or seller');
        if (req.entry !== undefined && !isSealedEntry(req.entry)) refuse('InvalidInput', 'entry must be a sealed bank entry');
        if (this.busy || this.pending) refuse('IllegalStep', 'a verification is already under way; wait for its result');
      },
    });

    setHandler(verificationResultUpdate, (r) => this.verificationResult(r), {
      validator: (r) => {
        if (!this.pending || this.pending.verificationId !== r.verificationId) {
          refuse('UnknownVerification', `verification ${r.verificationId} is not the one this quick receive waits for`);
        }
      },
    });
  }

  private async request(req: QuickReceiveRequest): Promise<QuickReceiveOutcome> {
    this.busy = true; // before any await: a second request is refused by the validator
    this.requests += 1;
    this.view.role = req.role;
    try {
      const stored = await act.findStoredAccount({ userId: req.userId, accountHash: req.entry?.accountHash });
      if (stored) return await this.issueCode(req.role, stored); // S605/S705: stored → code at once
      if (!req.entry) {
        this.setView({ status: 'account_required' });
        return { status: 'account_required' };
      }
      this.view.attempts += 1;
      if ((await act.screenBankEntry({ userId: req.userId, entry: req.entry })).listed) return await this.fail('watch_listed');
      const { workflowId, runId } = workflowInfo();
      const started = await act.startBankVerification({
        entry: req.entry,
        reference: workflowId,
        // Unique per run and attempt, the same on every retry of this call.
        idempotencyKey: `${workflowId}:${runId}:verify:${this.view.attempts}`,
      });
      if (!started.ok) return await this.fail(started.reason);
      this.pending = { verificationId: started.verificationId, entry: req.entry, role: req.role };
      this.setView({ status: 'verifying' });
      return { status: 'pending' };
    } finally {
      this.busy = false;
    }
  }

  private async verificationResult(r: VerificationResult): Promise<{ accepted: true }> {
    await this.settle(r.succeeded ? 'succeeded' : 'failed', r.reason);
    return { accepted: true };
  }

  async pollVerification(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    const answer = await act.getBankVerification({ verificationId: pending.verificationId });
    if (this.pending !== pending) return; // the callback won the race
    await this.settle(answer.status === 'pending' ? 'failed' : answer.status, answer.status === 'pending' ? 'no_answer' : answer.reason);
  }

  private async settle(status: 'succeeded' | 'failed', reason?: string): Promise<void> {
    const pending = this.pending!;
    this.pending = undefined; // before any await: a late duplicate is refused by the validator
    if (status === 'failed') {
      await this.fail(reason ?? 'verification_failed');
      return;
    }
    const stored = await act.storeVerifiedAccount({
      userId: this.input.userId,
      entry: pending.entry,
      verificationId: pending.verificationId,
    });
    if (!stored.stored) {
      await this.fail(stored.reason);
      return;
    }
    await this.issueCode(pending.role, stored.account);
  }

  private async issueCode(role: QuickReceiveRole, account: StoredAccount): Promise<QuickReceiveOutcome> {
    const step = this.nextStep('code');
    const { receivingCode } = await act.issueReceivingCode({
      userId: this.input.userId,
      role,
      bankAccountId: account.bankAccountId,
      issueKey: step,
    });
    this.setView({ status: 'code', role, receivingCode, accountMasked: account.accountMasked });
    await this.say(step, { kind: 'quick_receive_code', receivingCode, accountMasked: account.accountMasked });
    return { status: 'code', receivingCode, accountMasked: account.accountMasked };
  }

  private async fail(reasonCode: QuickReceiveFailure): Promise<QuickReceiveOutcome> {
    const reason = FAILURE_TEXT[reasonCode] ?? `the bank account could not be verified (${reasonCode})`;
    this.setView({ status: 'failed', reasonCode, reason });
    await this.say(this.nextStep('failed'), { kind: 'quick_receive_failed', reason });
    return { status: 'failed', reasonCode, reason };
  }

  private setView(next: Pick<QuickReceiveView, 'status'> & Partial<QuickReceiveView>): void {
    Object.assign(
      this.view,
      { role: this.view.role, receivingCode: undefined, accountMasked: undefined, reasonCode: undefined, reason: undefined },
      next,
    );
  }

  /** Keys unique per run and step: a new run never collides with an old message or code. */
  private nextStep(label: string): string {
    this.steps += 1;
    const { workflowId, runId } = workflowInfo();
    return `${workflowId}:${runId}:${label}-${this.steps}`;
  }

  private async say(retryKey: string, message: DealMessage): Promise<void> {
    await act.tellParty({ userId: this.input.userId, retryKey, message });
  }
}

function isSealedEntry(entry: SealedBankEntry): boolean {
  return ['bankCode', 'accountHash', 'accountMasked', 'sealed'].every(
    (k) => typeof (entry as unknown as Record<string, unknown>)[k] === 'string',
  );
}
