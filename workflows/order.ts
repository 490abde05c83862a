import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { MoneyMove, OrderActivities, StepCommit } from '../activities/order-activities';
import type { DealMessage, Outgoing } from '../src/chat/messages';
import { BuyerIdAttribute, OrderStateAttribute } from '../src/temporal/search-attributes';
import { refuse, requireText } from './refusal';
import {
  cancelLinkUpdate,
  decideUpdate,
  DisputeResolution,
  OrderInput,
  OrderState,
  OrderView,
  orderViewQuery,
  PaymentParametersOutcome,
  PaymentRequestOutcome,
  paymentResultUpdate,
  PaymentSource,
  requestPaymentUpdate,
  resendOtpUpdate,
  resolveDisputeUpdate,
  submitOtpUpdate,
  submitPaymentParametersUpdate,
} from './order-messages';

export * from './order-messages';

/**
 * One deal, one payment code: S101–S118 then S201–S207. Local activities keep a happy-path
 * deal within its history budget (a marker each instead of three events); each of them is
 * idempotent by a key derived from this workflow and the step.
 */
const act = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  localRetryThreshold: '10s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['LedgerRefusal', 'PaymentRefused', 'InvalidInput'],
  },
});

export interface OrderCarry {
  view: OrderView;
  passwordFailures: Record<string, number>;
  blockedBuyers: string[];
  steps: number;
}

export async function orderWorkflow(input: OrderInput, carried?: OrderCarry): Promise<OrderView> {
  const deal = new Deal(input, carried);
  deal.registerHandlers();

  // Stage zero: the link is out; wait for a buyer to get the payment info (S101–S108, S117–S118).
  await condition(() => deal.view.paymentInfoSentAtMs !== undefined || deal.view.state === 'cancelled' || deal.shouldContinueAsNew());
  if (deal.shouldContinueAsNew()) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof orderWorkflow>(input, deal.carry());
  }
  if (deal.view.state === 'cancelled') return deal.finish([]);

  // Payment: parameters, OTP, charge; a reminder (S116), then expiry.
  const paid = await deal.waitForPayment();
  if (!paid) return deal.expire();

  // Stage one (S202–S203) happens in the payment-result handler; here the decision window runs.
  const decided = await condition(() => deal.decision !== undefined, input.durations.decisionWindowMs);
  if (!decided) deal.decision = { decision: 'agree', silent: true }; // S206: silence is agreement
  deal.view.state = deal.decision?.decision === 'dispute' ? 'disputed' : 'settling';

  if (deal.decision?.decision === 'dispute') {
    const resolution = await deal.waitForResolution(); // S205: support decides
    return deal.settle(resolution.sellerAmountMinor, resolution.buyerAmountMinor, resolution.agentId);
  }
  return deal.settle(input.product.totalMinor, 0, deal.decision?.silent ? 'decision-window' : 'buyer');
}

class Deal {
  readonly view: OrderView;
  private readonly passwordFailures: Record<string, number>;
  private readonly blockedBuyers: Set<string>;
  private steps: number;
  private otpChallengeId?: string;
  private paymentSource?: PaymentSource;
  private chargeAttempts = 0;
  private lastState: OrderState = 'awaiting_buyer';
  private lastBuyer?: string;
  decision?: { decision: 'agree' | 'dispute'; silent?: boolean };
  private resolution?: DisputeResolution;

  constructor(private readonly input: OrderInput, carried?: OrderCarry) {
    this.view = carried?.view ?? {
      orderId: input.orderId,
      state: 'awaiting_buyer',
      variant: input.variant,
      sellerId: input.sellerId,
      product: input.product,
      reminderSent: false,
      sellerPaidMinor: 0,
      buyerRefundedMinor: 0,
    };
    this.passwordFailures = carried?.passwordFailures ?? {};
    this.blockedBuyers = new Set(carried?.blockedBuyers ?? []);
    this.steps = carried?.steps ?? 0;
  }

  carry(): OrderCarry {
    return { view: this.view, passwordFailures: this.passwordFailures, blockedBuyers: [...this.blockedBuyers], steps: this.steps };
  }

  /** Only stage zero can grow without bound (refused buyers); later stages are short. */
  shouldContinueAsNew(): boolean {
    return this.view.state === 'awaiting_buyer' && workflowInfo().continueAsNewSuggested;
  }

  registerHandlers(): void {
    setHandler(orderViewQuery, () => this.view);

    setHandler(requestPaymentUpdate, (req) => this.requestPayment(req.buyerId, req.dynamicPassword), {
      validator: (req) => {
        requireText(req.buyerId, 'buyerId');
        requireText(req.dynamicPassword, 'dynamicPassword');
        this.requireState(['awaiting_buyer', 'awaiting_payment'], 'request payment');
        if (this.blockedBuyers.has(req.buyerId)) refuse('BuyerBlocked', 'this buyer is blocked for this order');
        if ((this.passwordFailures[req.buyerId] ?? 0) >= this.input.maxPasswordFailures) {
          refuse('PasswordLocked', 'too many wrong dynamic passwords for this order');
        }
      },
    });

    setHandler(submitPaymentParametersUpdate, (p) => this.submitPaymentParameters(p.buyerId, p.paymentSource), {
      validator: (p) => {
        this.requireState(['awaiting_payment', 'awaiting_otp'], 'set payment parameters');
        this.requirePayer(p.buyerId);
        if (!['card', 'bank_transfer', 'line_pay_wallet'].includes(p.paymentSource?.type)) {
          refuse('InvalidInput', 'paymentSource.type must be card, bank_transfer or line_pay_wallet');
        }
        requireText(p.paymentSource.token, 'paymentSource.token');
      },
    });

    setHandler(resendOtpUpdate, (r) => this.issueOtp(r.buyerId), {
      validator: (r) => {
        this.requireState(['awaiting_otp'], 'resend the OTP');
        this.requirePayer(r.buyerId);
      },
    });

    setHandler(submitOtpUpdate, (s) => this.submitOtp(s.buyerId, s.otpProof), {
      validator: (s) => {
        this.requireState(['awaiting_otp'], 'submit an OTP');
        this.requirePayer(s.buyerId);
        requireText(s.otpProof, 'otpProof');
      },
    });

    setHandler(paymentResultUpdate, (r) => this.paymentResult(r.succeeded, r.failureCode, r.failureMessage), {
      validator: (r) => {
        this.requireState(['payment_pending'], 'accept a payment result');
        if (r.chargeId !== this.view.chargeId) refuse('UnknownCharge', `charge ${r.chargeId} is not this order's current charge`);
      },
    });

    setHandler(decideUpdate, async (d) => {
      this.decision = { decision: d.decision };
      this.view.state = d.decision === 'dispute' ? 'disputed' : 'settling';
      if (d.decision === 'dispute') await this.openDispute(d.reason ?? '');
      return { outcome: d.decision === 'dispute' ? 'disputed' : 'releasing' };
    }, {
      validator: (d) => {
        this.requireState(['escrow'], 'decide');
        if (d.buyerId !== this.view.buyerId) refuse('NotTheBuyer', 'only the buyer of this order can decide');
        if (d.decision !== 'agree' && d.decision !== 'dispute') refuse('InvalidInput', 'decision must be agree or dispute');
        if (d.reason !== undefined && (typeof d.reason !== 'string' || d.reason.length > 1000)) {
          refuse('InvalidInput', 'reason must be text of at most 1000 characters');
        }
      },
    });

    setHandler(resolveDisputeUpdate, (r) => {
      this.resolution = r;
      this.view.state = 'settling';
      return { outcome: 'resolving' };
    }, {
      validator: (r) => {
        this.requireState(['disputed'], 'resolve a dispute');
        requireText(r.agentId, 'agentId');
        const total = this.input.product.totalMinor;
        if (!isMinor(r.sellerAmountMinor) || !isMinor(r.buyerAmountMinor) || r.sellerAmountMinor + r.buyerAmountMinor !== total) {
          refuse('InvalidInput', `seller and buyer amounts must be non-negative integers adding up to ${total}`);
        }
        const expected = r.buyerAmountMinor === 0 ? 'release' : r.sellerAmountMinor === 0 ? 'refund' : 'split';
        if (r.resolution !== expected) refuse('InvalidInput', `amounts describe a ${expected}, not a ${r.resolution}`);
      },
    });

    setHandler(cancelLinkUpdate, () => {
      this.view.state = 'cancelled'; // the main flow commits it and ends
      return { outcome: 'cancelled' as const };
    }, {
      validator: (c: { sellerId: string }) => {
        if (c.sellerId !== this.input.sellerId) refuse('NotTheSeller', 'only the seller can cancel this link');
        this.requireState(['awaiting_buyer', 'awaiting_payment', 'awaiting_otp'], 'cancel the link');
      },
    });
  }

  // S101–S108 (full) and S117–S118 (simple): one payment request, answered with what comes next.
  private async requestPayment(buyerId: string, dynamicPassword: string): Promise<PaymentRequestOutcome> {
    const full = this.input.variant === 'full';
    const code = this.input.product.transactionCode;
    const screening = await act.screenBuyer({
      orderId: this.input.orderId,
      buyerId,
      dynamicPassword,
      checkWallet: full,
      checkPhone: full,
      attribute: full,
      phoneBindingPeriodMs: this.input.durations.phoneBindingPeriodMs,
    });
    if (!screening.passwordOk) {
      const failures = (this.passwordFailures[buyerId] = (this.passwordFailures[buyerId] ?? 0) + 1);
      return { outcome: 'wrong_password', attemptsLeft: Math.max(0, this.input.maxPasswordFailures - failures) };
    }
    if (!screening.boundUser) {
      await this.say([this.to(buyerId, { kind: 'bind_request', addFriendUrl: screening.addFriendUrl })]); // S103
      return { outcome: 'bind_required' };
    }
    if (screening.watchListed) {
      this.blockedBuyers.add(buyerId); // S403: no payment info for this order
      await this.say([this.to(buyerId, { kind: 'watchlist_blocked', transactionCode: code })]);
      return { outcome: 'blocked' };
    }
    if (screening.limitRefusal) {
      await this.say([this.to(buyerId, { kind: 'payment_failed', reason: screening.limitRefusal.detail, transactionCode: code })]);
      return { outcome: 'limit_exceeded', rule: screening.limitRefusal.rule, detail: screening.limitRefusal.detail };
    }
    const said: Outgoing[] = [];
    if (full) {
      if (screening.walletState !== 'active') {
        await act.ensureWalletActivation({ userId: buyerId }); // S502–S504: the activation workflow asks
        return { outcome: 'wallet_activation_required' };
      }
      if (screening.holder !== buyerId) {
        await this.say([ // S106: the code belongs to someone else
          this.to(this.input.sellerId, { kind: 'attribution_error', transactionCode: code, attemptedBy: buyerId }),
          this.to(buyerId, { kind: 'code_already_attributed', transactionCode: code }),
        ]);
        return { outcome: 'attribution_error' };
      }
      if (this.view.buyerId === undefined) {
        this.view.buyerId = buyerId; // S107: attributed (the claim in the database decided)
        said.push(this.to(buyerId, { kind: 'pending_payment_info', product: this.input.product, paymentUrl: this.paymentUrl() }));
      }
      if (screening.phone !== 'ok') {
        said.push(screening.phone === 'not_bound'
          ? this.to(buyerId, { kind: 'phone_binding_request', bindUrl: `${this.input.publicBaseUrl}/pages/phone?order=${this.input.orderId}` }) // S405
          : this.to(buyerId, { kind: 'abnormal_binding', reason: screening.phone })); // S406/S407
        await this.commit(this.view.state, said, buyerId);
        return screening.phone === 'not_bound' ? { outcome: 'phone_binding_required' } : { outcome: 'abnormal_binding', reason: screening.phone };
      }
    }
    // S108 / S118: the payment info.
    if (this.view.paymentInfoSentAtMs === undefined) this.view.paymentInfoSentAtMs = Date.now();
    this.view.state = 'awaiting_payment';
    said.push(this.to(buyerId, {
      kind: 'payment_info',
      product: this.input.product,
      paymentUrl: this.paymentUrl(),
      paymentAccount: screening.paymentAccount,
      verification: full ? 'otp' : 'none',
    }));
    await this.commit('awaiting_payment', said, full ? buyerId : undefined);
    const { totalMinor, currency } = this.input.product;
    return { outcome: 'payment_info', totalMinor, currency, verification: full ? 'otp' : 'none' };
  }

  // S111: the buyer chose how to pay; S112 an OTP follows (full), or the charge starts (S118).
  private async submitPaymentParameters(buyerId: string, source: PaymentSource): Promise<PaymentParametersOutcome> {
    this.paymentSource = source;
    if (this.input.variant === 'simple') {
      this.view.buyerId = buyerId; // the payer of a simple deal is whoever pays first
      const started = await this.startCharge();
      return started.ok ? { outcome: 'charging' } : { outcome: 'payment_failed', reason: started.reason };
    }
    return this.issueOtp(buyerId);
  }

  private async issueOtp(buyerId: string): Promise<PaymentParametersOutcome> {
    const step = this.nextStep('otp');
    const challenge = await act.issueOtp({
      orderId: this.input.orderId,
      buyerId,
      step,
      ttlMs: this.input.durations.otpTtlMs,
      maxAttempts: this.input.maxOtpAttempts,
      transactionCode: this.input.product.transactionCode,
    });
    this.otpChallengeId = challenge.challengeId;
    this.view.state = 'awaiting_otp';
    return { outcome: 'otp_sent', expiresAtMs: challenge.expiresAtMs };
  }

  // S113–S115: the code comes back; right → pay, wrong → a failure message with the reason.
  private async submitOtp(buyerId: string, otpProof: string) {
    const challengeId = this.otpChallengeId;
    if (challengeId === undefined) return { outcome: 'otp_expired' as const };
    const check = await act.verifyOtp({ challengeId, buyerId, otpProof, checkKey: this.nextStep('otp-check') });
    if (check.result !== 'ok') {
      const reason = check.result === 'wrong' ? `wrong verification code, ${check.attemptsLeft} tries left`
        : check.result === 'expired' ? 'the verification code expired; ask for a new one'
        : 'too many wrong codes; ask for a new one';
      await this.say([this.to(buyerId, { kind: 'payment_failed', reason, transactionCode: this.input.product.transactionCode })]);
      if (check.result !== 'wrong') this.otpChallengeId = undefined;
      return check.result === 'wrong' ? { outcome: 'wrong_otp' as const, attemptsLeft: check.attemptsLeft }
        : check.result === 'expired' ? { outcome: 'otp_expired' as const } : { outcome: 'otp_exhausted' as const };
    }
    this.otpChallengeId = undefined;
    const started = await this.startCharge();
    return started.ok ? { outcome: 'charging' as const } : { outcome: 'payment_failed' as const, reason: started.reason };
  }

  // S114: the payment flow runs at the provider; its result arrives as a signed webhook (S201).
  private async startCharge(): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (this.paymentSource === undefined) throw ApplicationFailure.nonRetryable('no payment source', 'InvalidInput');
    this.chargeAttempts += 1;
    this.view.state = 'payment_pending';
    try {
      const { chargeId } = await act.startCharge({
        orderId: this.input.orderId,
        attempt: this.chargeAttempts,
        amountMinor: this.input.product.totalMinor,
        currency: this.input.product.currency,
        paymentSource: this.paymentSource,
      });
      this.view.chargeId = chargeId;
      return { ok: true };
    } catch (err) {
      // The provider refused the charge outright (S115): nothing was charged; the buyer may try again.
      this.view.state = 'awaiting_payment';
      const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : 'the payment could not be started';
      await this.say([this.to(this.view.buyerId!, { kind: 'payment_failed', reason, transactionCode: this.input.product.transactionCode })]);
      return { ok: false, reason };
    }
  }

  // S201–S203: paid → points into this order's escrow, stage-one info to both parties.
  private async paymentResult(succeeded: boolean, failureCode?: string, failureMessage?: string) {
    if (!succeeded) {
      this.view.state = 'awaiting_payment'; // the buyer may try again
      await this.say([this.to(this.view.buyerId!, {
        kind: 'payment_failed',
        reason: failureMessage ?? failureCode ?? 'the payment was declined',
        transactionCode: this.input.product.transactionCode,
      })]);
      return { accepted: true as const };
    }
    const deadlineMs = Date.now() + this.input.durations.decisionWindowMs;
    this.view.state = 'escrow';
    this.view.decisionDeadlineMs = deadlineMs;
    const stageOne: DealMessage = {
      kind: 'stage_one',
      product: this.input.product,
      progressUrl: `${this.input.publicBaseUrl}/pages/pay/${this.input.orderId}`,
      qrImageUrl: `${this.input.publicBaseUrl}/media/qr/${this.input.product.transactionCode}.png`,
      decisionDeadline: new Date(deadlineMs).toISOString(),
    };
    await this.commitStep({ // S202: virtual points into the temporary escrow account
      state: 'escrow',
      buyerId: this.view.buyerId,
      chargeId: this.view.chargeId,
      money: { kind: 'stage_one', amountMinor: this.input.product.totalMinor, currency: this.input.product.currency },
      messages: [this.to(this.view.buyerId!, stageOne), this.to(this.input.sellerId, stageOne)],
    });
    return { accepted: true as const };
  }

  /** Waits until paid, reminding once (S116) and expiring at the deadline; a charge in flight is never cut off. */
  async waitForPayment(): Promise<boolean> {
    const start = this.view.paymentInfoSentAtMs!;
    const reminderAt = start + this.input.durations.paymentReminderMs;
    const expiresAt = start + this.input.durations.paymentExpiryMs;
    const paid = () => this.view.state === 'escrow';
    while (!paid()) {
      if (this.view.state === 'payment_pending') {
        await condition(() => paid() || this.view.state !== 'payment_pending');
        continue;
      }
      const now = Date.now();
      if (now >= expiresAt) return false;
      if (!this.view.reminderSent && now >= reminderAt) {
        this.view.reminderSent = true;
        await this.say([this.to(this.view.buyerId ?? this.input.sellerId, {
          kind: 'payment_reminder', paymentUrl: this.paymentUrl(), transactionCode: this.input.product.transactionCode,
        })]);
        continue;
      }
      const deadline = this.view.reminderSent || reminderAt >= expiresAt ? expiresAt : reminderAt;
      await condition(() => paid() || this.view.state === 'payment_pending' || this.view.state === 'cancelled', deadline - now);
      if (this.view.state === 'cancelled') return false;
    }
    return true;
  }

  async expire(): Promise<OrderView> {
    if (this.view.state === 'cancelled') return this.finish([]);
    this.view.state = 'expired';
    const code = this.input.product.transactionCode;
    const recipients = [this.input.sellerId, ...(this.view.buyerId ? [this.view.buyerId] : [])];
    return this.finish(recipients.map((to) => this.to(to, { kind: 'order_expired', transactionCode: code })));
  }

  // S205: dispute info to both; support staff step in.
  private async openDispute(reason: string): Promise<void> {
    this.view.dispute = { reason, openedAtMs: Date.now(), escalated: false };
    const message: DealMessage = { kind: 'dispute_opened', transactionCode: this.input.product.transactionCode, reason };
    await this.commit('disputed', [this.to(this.view.buyerId!, message), this.to(this.input.sellerId, message)], undefined, reason);
  }

  async waitForResolution(): Promise<DisputeResolution> {
    await condition(() => this.view.dispute !== undefined); // the handler's opening commit is under way
    if (!(await condition(() => this.resolution !== undefined, this.input.durations.disputeEscalationMs))) {
      this.view.dispute!.escalated = true;
      const message: DealMessage = { kind: 'dispute_escalated', transactionCode: this.input.product.transactionCode };
      await this.say([this.to(this.view.buyerId!, message), this.to(this.input.sellerId, message)]);
      await condition(() => this.resolution !== undefined); // money waits for a person, never for a timer
    }
    return this.resolution!;
  }

  // S206/S207 and the dispute outcomes: escrow → seller wallet and/or back to the buyer; claim 6 result.
  async settle(sellerAmountMinor: number, buyerAmountMinor: number, decidedBy: string): Promise<OrderView> {
    const { product } = this.input;
    if (buyerAmountMinor > 0) {
      await act.refundCharge({ orderId: this.input.orderId, chargeId: this.view.chargeId!, amountMinor: buyerAmountMinor, currency: product.currency });
    }
    this.view.sellerPaidMinor = sellerAmountMinor;
    this.view.buyerRefundedMinor = buyerAmountMinor;
    this.view.silentAgreement = this.decision?.silent === true;
    this.view.state = sellerAmountMinor > 0 ? 'completed' : 'refunded';
    const outcome = buyerAmountMinor === 0 ? 'released' : sellerAmountMinor === 0 ? 'refunded' : 'split';
    const result: DealMessage = { kind: 'transaction_result', product, outcome, sellerPaidMinor: sellerAmountMinor, buyerRefundedMinor: buyerAmountMinor };
    const stageTwo: DealMessage = { kind: 'stage_two', product, sellerPaidMinor: sellerAmountMinor };
    const parties = [this.view.buyerId!, this.input.sellerId];
    const messages = [
      ...(sellerAmountMinor > 0 ? parties.map((p) => this.to(p, stageTwo)) : []),
      ...parties.map((p) => this.to(p, result)),
    ];
    return this.finish(messages, { kind: 'settle', sellerId: this.input.sellerId, sellerAmountMinor, buyerAmountMinor, currency: product.currency, decidedBy });
  }

  async finish(messages: Outgoing[], money?: MoneyMove): Promise<OrderView> {
    await this.commitStep({
      state: this.view.state,
      buyerId: this.view.buyerId,
      money,
      sellerPaidMinor: this.view.sellerPaidMinor,
      buyerRefundedMinor: this.view.buyerRefundedMinor,
      messages,
    });
    await condition(allHandlersFinished);
    return this.view;
  }

  // ---- small helpers ----
  private paymentUrl(): string {
    return `${this.input.publicBaseUrl}/pages/pay/${this.input.orderId}`;
  }

  private to(userId: string, message: DealMessage): Outgoing {
    return { to: userId, message, retryKey: '' }; // keyed in say()/commit() by step
  }

  private nextStep(label: string): string {
    this.steps += 1;
    return `${label}-${this.steps}`;
  }

  private nextVersion(): number {
    this.steps += 1;
    return this.steps;
  }

  private keyed(messages: Outgoing[], step: string): Outgoing[] {
    return messages.map((m, i) => ({ ...m, retryKey: `${workflowInfo().workflowId}:${step}:${i}:${m.to}` }));
  }

  private async say(messages: Outgoing[]): Promise<void> {
    await act.sendMessages({ messages: this.keyed(messages, this.nextStep('say')) });
  }

  private async commit(state: OrderState, messages: Outgoing[], buyerId?: string, disputeReason?: string): Promise<void> {
    await this.commitStep({ state, buyerId, disputeReason, messages });
  }

  /**
   * Applies one step's effects: money, read model, messages (each idempotent by its key).
   * Search attributes follow the state here, in the same workflow task, so operators' filters
   * and the orders table change together.
   */
  private async commitStep(step: Omit<StepCommit, 'orderId' | 'stateVersion' | 'sellerId' | 'state'> & { state: OrderState }): Promise<void> {
    const version = this.nextVersion();
    const attributes: SearchAttributeUpdatePair[] = [];
    if (step.state !== this.lastState) attributes.push({ key: OrderStateAttribute, value: step.state });
    if (this.view.buyerId !== undefined && this.view.buyerId !== this.lastBuyer) attributes.push({ key: BuyerIdAttribute, value: this.view.buyerId });
    if (attributes.length > 0) upsertSearchAttributes(attributes);
    this.lastState = step.state;
    this.lastBuyer = this.view.buyerId;
    await act.commitStep({
      ...step,
      orderId: this.input.orderId,
      sellerId: this.input.sellerId,
      stateVersion: version,
      messages: this.keyed(step.messages, `v${version}`),
    });
  }

  private requireState(allowed: OrderState[], action: string): void {
    if (!allowed.includes(this.view.state)) refuse('IllegalStep', `cannot ${action} while the order is ${this.view.state}`);
  }

  private requirePayer(buyerId: string): void {
    requireText(buyerId, 'buyerId');
    if (this.input.variant === 'full' && buyerId !== this.view.buyerId) refuse('NotTheBuyer', 'this order is attributed to another buyer');
  }
}


function isMinor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
