import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { Mutex } from 'async-mutex';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type * as activities from '../activities/order-activities';
import type { DealMessage, Outgoing } from '../src/chat/messages';
import { BuyerIdAttribute, OrderStateAttribute } from '../src/temporal/search-attributes';
import { TEXT_LIMITS } from '../src/domain/limits';
import { isPaymentSourceType, PAYMENT_SOURCE_TYPES } from '../src/domain/payment-sources';
import { chargeTotalMinor, settleWithFee } from '../src/deal/fees';
import { stepOptions } from './step-options';
import { refuse, requireText } from './refusal';
import type { Reason, StepAction } from '../src/deal/reasons';

/** The English words of each step, for the API's refusal messages (people read the translated reason code). */
const STEP_ACTION_WORDS: Record<StepAction, string> = {
  request_payment: 'request payment',
  set_payment_parameters: 'set payment parameters',
  resend_otp: 'resend the OTP',
  submit_otp: 'submit an OTP',
  decide: 'decide',
  extend_decision: 'extend the decision window',
  resolve_dispute: 'resolve a dispute',
  extend_dispute_deadline: 'extend the dispute deadline',
  cancel_link: 'cancel the link',
};
import {
  BuyerDecision,
  cancelLinkUpdate,
  CheckoutView,
  decideUpdate,
  DisputeResolution,
  extendDecisionUpdate,
  OrderInput,
  OrderState,
  OrderView,
  orderViewQuery,
  ParkedAction,
  ParkedResolution,
  PARKED_ACTIONS,
  ParkReason,
  PaymentParametersOutcome,
  PaymentRequestOutcome,
  PaymentResult,
  paymentResultUpdate,
  PaymentSource,
  requestPaymentUpdate,
  resendOtpUpdate,
  DEADLINE_EXTENSION_MAX_MS,
  extendDisputeDeadlineUpdate,
  resolveDisputeUpdate,
  resolveParkedUpdate,
  submitOtpUpdate,
  submitPaymentParametersUpdate,
} from './order-messages';

export * from './order-messages';

/**
 * One deal, one payment code: S101–S118 then S201–S207, read top to bottom in orderWorkflow.
 *
 * Local activities keep a happy deal within its history budget (a marker each instead of three
 * events). They can run in a workflow task that is later discarded (updates racing on one
 * workflow), so each is idempotent by a key that names what it does — the update that asked for
 * it, the message kind and the recipient — never by a counter a discarded task could reuse.
 * Handlers that await take the deal's lock and check the state again once they hold it.
 */
const act = proxyLocalActivities<activities.OrderActivities>(
  stepOptions(['LedgerRefusal', 'PaymentRefused', 'InvalidInput', 'ChatRefused']),
);

/** Money steps give up after this and park the deal for a person: nothing pays out on its own. */
const money = proxyLocalActivities<activities.OrderActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  localRetryThreshold: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '1m', nonRetryableErrorTypes: ['LedgerRefusal', 'PaymentRefused', 'InvalidInput'] },
});

export interface OrderCarry {
  view: OrderView;
  passwordFailures: Record<string, number>;
  blockedBuyers: string[];
  screenedBuyers: string[];
  otpSends: number;
  steps: number;
}

type Decision = BuyerDecision & { silent?: boolean };
type ChargeOutcome = Pick<
  PaymentResult,
  'eventId' | 'succeeded' | 'amountMinor' | 'currency' | 'occurredAtMs' | 'failureCode' | 'failureMessage'
>;

export async function orderWorkflow(input: OrderInput, carried?: OrderCarry): Promise<OrderView> {
  const deal = new Deal(input, carried);
  deal.registerHandlers();

  // Stage zero (S101–S108, S117–S118): the link is out; a buyer gets the payment info.
  const opened = await deal.waitForBuyer();
  if (opened === 'continue_as_new') {
    await condition(allHandlersFinished);
    return continueAsNew<typeof orderWorkflow>(input, deal.carry());
  }
  if (opened === 'cancelled') return deal.cancel();
  if (opened === 'link_expired') return deal.expireLink();

  // S111–S116: parameters, OTP, charge; a reminder, then expiry. A charge in flight is never cut off.
  const paid = await deal.waitForPayment();
  if (paid === 'cancelled') return deal.cancel();
  if (paid === 'expired') return deal.expire();

  // S201–S203: the money is in this order's escrow; both parties are told.
  if ((await deal.stageOne(paid)) === 'refunded') return deal.view; // the amount did not add up; a person had it refunded

  // S204–S206: the buyer decides within the window; silence is agreement.
  const decision = await deal.waitForDecision();
  if (decision.decision === 'dispute') {
    // S205: support steps in; the buyer is asked for a reason and photos in the chat.
    const conversation = await deal.openDispute(decision.reason ?? '');
    const resolution = await deal.waitForResolution();
    return deal.settle({
      sellerAmountMinor: resolution.sellerAmountMinor,
      buyerAmountMinor: resolution.buyerAmountMinor,
      decidedBy: resolution.agentId,
      // Both parties read the agent's note with the outcome (deals disputed before this change settle as they did).
      ...(conversation && resolution.note ? { note: resolution.note } : {}),
    });
  }
  return deal.settle({
    sellerAmountMinor: input.product.totalMinor,
    buyerAmountMinor: 0,
    decidedBy: decision.silent ? 'decision-window' : 'buyer',
  });
}

/** A message with the key that makes it unique: what caused it (an update, an event, the deal) and to whom. */
interface Said {
  scope: string;
  to: string;
  message: DealMessage;
}

const OPEN_STATES: OrderState[] = ['awaiting_buyer', 'awaiting_payment'];
const CANCELLABLE_STATES: OrderState[] = ['awaiting_buyer', 'awaiting_payment', 'awaiting_otp', 'awaiting_checkout'];
/** Nothing paid yet: the order may still expire, and a hosted checkout's result may still arrive. */
const UNPAID_STATES: OrderState[] = ['awaiting_payment', 'awaiting_otp', 'awaiting_checkout'];

/** Deals from this patch on pay at the provider's hosted checkout; earlier runs replay their token charges. */
export const HOSTED_CHECKOUT_PATCH = 'hosted-checkout';
/** S104–S106 before S501: an intruder gets the attribution error whatever their wallet. */
export const ATTRIBUTION_BEFORE_WALLET_PATCH = 'attribution-before-wallet';
/** The S116 reminder goes to the buyers who got the payment info (earlier runs: the attributed buyer, else the seller). */
export const REMINDER_TO_BUYERS_PATCH = 'reminder-to-buyers';

class Deal {
  readonly view: OrderView;
  private readonly lock = new Mutex();
  private readonly passwordFailures: Record<string, number>;
  private readonly blockedBuyers: Set<string>;
  /** Simple variant: buyers who passed screening and got the payment info; only they may pay. */
  private readonly screenedBuyers: Set<string>;
  private otpSends: number;
  /** Read-model version: only ever grows, so a late write never regresses the orders row. */
  private steps: number;
  private otpChallengeId?: string;
  private paymentSource?: PaymentSource;
  /** Decided once, where the first payment info goes out (patched): this deal pays at the hosted checkout. */
  private hosted?: boolean;
  private checkoutAttempts = 0;
  private readonly checkoutSessionIds: string[] = [];
  private chargeAttempts = 0;
  private readonly chargeIds: string[] = [];
  private chargeOutcome?: ChargeOutcome;
  private decision?: Decision;
  private resolution?: DisputeResolution;
  private parkedResolution?: ParkedResolution;
  private parks = 0;
  private settleAttempts = 0;
  private lastState: OrderState = 'awaiting_buyer';
  private lastBuyer?: string;

  constructor(
    private readonly input: OrderInput,
    carried?: OrderCarry,
  ) {
    this.view = carried?.view ?? {
      paymentCode: input.paymentCode,
      state: 'awaiting_buyer',
      variant: input.variant,
      sellerId: input.sellerId,
      product: input.product,
      reminderSent: false,
      sellerPaidMinor: 0,
      buyerRefundedMinor: 0,
      ...(input.fee !== undefined ? { fee: input.fee, chargeTotalMinor: chargeTotalMinor(input.product.totalMinor, input.fee) } : {}),
    };
    this.passwordFailures = carried?.passwordFailures ?? {};
    this.blockedBuyers = new Set(carried?.blockedBuyers ?? []);
    this.screenedBuyers = new Set(carried?.screenedBuyers ?? []);
    this.otpSends = carried?.otpSends ?? 0;
    this.steps = carried?.steps ?? 0;
    this.lastState = this.view.state;
    this.lastBuyer = this.view.buyerId;
  }

  carry(): OrderCarry {
    return {
      view: this.view,
      passwordFailures: this.passwordFailures,
      blockedBuyers: [...this.blockedBuyers],
      screenedBuyers: [...this.screenedBuyers],
      otpSends: this.otpSends,
      steps: this.steps,
    };
  }

  // ------------------------------------------------------------------ handlers: validate, then record

  registerHandlers(): void {
    setHandler(orderViewQuery, () => this.view);

    this.onUpdate(
      requestPaymentUpdate,
      async (req, scope) => {
        this.admitPaymentRequest(req.buyerId); // again, holding the lock: another request may have changed things
        return this.requestPayment(req.buyerId, req.dynamicPassword, scope);
      },
      (req) => {
        requireText(req.buyerId, 'buyerId');
        requireText(req.dynamicPassword, 'dynamicPassword');
        this.admitPaymentRequest(req.buyerId);
      },
    );

    this.onUpdate(
      submitPaymentParametersUpdate,
      (p, scope) => this.submitPaymentParameters(p.buyerId, p.paymentSource, scope),
      (p) => {
        this.requirePayer(p.buyerId);
        if (p.paymentSource === undefined) {
          // The hosted checkout: nothing typed; the provider's page asks for the card.
          if (this.hosted !== true || p.method !== 'card') refuse('InvalidInput', 'method must be card (the hosted checkout)');
          this.requireState(['awaiting_payment', 'awaiting_otp', 'awaiting_checkout'], 'set_payment_parameters');
          if (this.input.variant === 'full' && this.view.state !== 'awaiting_checkout') this.requireOtpSendsLeft();
          return;
        }
        this.requireState(['awaiting_payment', 'awaiting_otp'], 'set_payment_parameters');
        if (!isPaymentSourceType(p.paymentSource?.type))
          refuse('InvalidInput', `paymentSource.type must be one of ${PAYMENT_SOURCE_TYPES.join(', ')}`);
        requireText(p.paymentSource.token, 'paymentSource.token');
        if (this.input.variant === 'full') this.requireOtpSendsLeft();
      },
    );

    this.onUpdate(
      resendOtpUpdate,
      async (r, scope) => {
        this.requirePayer(r.buyerId);
        this.requireState(['awaiting_otp'], 'resend_otp');
        this.requireOtpSendsLeft();
        return this.issueOtp(r.buyerId, scope);
      },
      (r) => {
        this.requirePayer(r.buyerId);
        this.requireState(['awaiting_otp'], 'resend_otp');
        this.requireOtpSendsLeft();
      },
    );

    this.onUpdate(
      submitOtpUpdate,
      (s, scope) => this.submitOtp(s.buyerId, s.otpProof, scope),
      (s) => {
        this.requirePayer(s.buyerId);
        this.requireState(['awaiting_otp'], 'submit_otp');
        requireText(s.otpProof, 'otpProof');
      },
    );

    setHandler(
      paymentResultUpdate,
      (r) => {
        // A result for the charge in flight is recorded once; the main flow acts on it. A repeat, or
        // a result for an earlier charge of this order, changes nothing (and is acknowledged).
        if (this.isCurrentCheckoutResult(r)) {
          // The hosted checkout: the charge is named only now, by its session (card, or a transfer into the ATM account).
          this.chargeIds.push(r.chargeId);
          this.view.chargeId = r.chargeId;
          this.chargeOutcome = { ...r };
          return { accepted: true as const };
        }
        const awaiting = this.view.state === 'payment_pending' || this.view.parked?.reason === 'charge_result_missing';
        if (awaiting && r.chargeId === this.view.chargeId && this.chargeOutcome === undefined) {
          this.chargeOutcome = { ...r };
        }
        return { accepted: true as const };
      },
      {
        validator: (r) => {
          const ofOurSession = r.checkoutSessionId !== undefined && this.checkoutSessionIds.includes(r.checkoutSessionId);
          if (!this.chargeIds.includes(r.chargeId) && !ofOurSession)
            refuse('UnknownCharge', `charge ${r.chargeId} is not (yet) a charge of this order`);
        },
      },
    );

    setHandler(
      decideUpdate,
      (d) =>
        this.exclusive(async () => {
          this.requireBuyer(d.buyerId);
          const outcome = d.decision === 'dispute' ? ('disputed' as const) : ('releasing' as const);
          // Already taken from what the api kept when the window closed: the same answer, not a refusal.
          if (this.isDecisionTaken(d)) return { outcome };
          if (this.view.state !== 'escrow' || this.decision !== undefined)
            refuse('IllegalStep', 'the decision window has closed', { code: 'decision_window_closed' });
          this.decision = { buyerId: d.buyerId, decision: d.decision, reason: d.reason };
          return { outcome };
        }),
      {
        validator: (d) => {
          this.requireBuyer(d.buyerId);
          if (this.isDecisionTaken(d)) return;
          this.requireState(['escrow'], 'decide');
          if (d.decision !== 'agree' && d.decision !== 'dispute') refuse('InvalidInput', 'decision must be agree or dispute');
          if (d.reason !== undefined && (typeof d.reason !== 'string' || d.reason.length > TEXT_LIMITS.disputeReasonMaxChars)) {
            refuse('InvalidInput', `reason must be text of at most ${TEXT_LIMITS.disputeReasonMaxChars} characters`);
          }
        },
      },
    );

    // Only a dispute that waits on dispute.deadlineMs (patched 'dispute-deadline') can be given more time.
    setHandler(
      extendDisputeDeadlineUpdate,
      (e) =>
        this.exclusive(async () => {
          const dispute = mustHave(this.view.dispute, 'dispute');
          this.requireExtensible();
          dispute.deadlineMs = mustHave(dispute.deadlineMs, 'dispute deadline') + e.extendByMs;
          return { deadlineMs: dispute.deadlineMs };
        }),
      {
        validator: (e) => {
          this.requireExtensible();
          requireText(e.agentId, 'agentId');
          requireText(e.reason, 'reason');
          if (!isMinor(e.extendByMs) || e.extendByMs <= 0 || e.extendByMs > DEADLINE_EXTENSION_MAX_MS)
            refuse('InvalidInput', `extendByMs must be a positive integer of at most ${DEADLINE_EXTENSION_MAX_MS}`);
        },
      },
    );

    this.onUpdate(
      extendDecisionUpdate,
      async (e, scope) => {
        this.admitExtension(e.buyerId); // again, holding the lock: the window may have closed meanwhile
        const extended = mustHave(this.view.decisionDeadlineMs, 'decision deadline') + (this.input.durations.decisionExtensionMs ?? 0);
        const code = this.input.product.transactionCode;
        await this.tell(
          this.toBoth(scope, { kind: 'decision_extended', transactionCode: code, decisionDeadline: new Date(extended).toISOString() }),
        );
        // Changed after the last await: the main flow waits on the deadline.
        this.view.decisionExtensions = (this.view.decisionExtensions ?? 0) + 1;
        this.view.decisionDeadlineMs = extended;
        return { outcome: 'extended' as const, decisionDeadlineMs: extended };
      },
      (e) => this.admitExtension(e.buyerId),
    );

    setHandler(
      resolveDisputeUpdate,
      (r) =>
        this.exclusive(async () => {
          if (this.view.state !== 'disputed' || this.resolution !== undefined)
            refuse('IllegalStep', 'this dispute is already resolved', { code: 'dispute_resolved' });
          this.resolution = r;
          return { outcome: 'resolving' as const };
        }),
      {
        validator: (r) => {
          this.requireState(['disputed'], 'resolve_dispute');
          requireText(r.agentId, 'agentId');
          const total = this.input.product.totalMinor;
          if (!isMinor(r.sellerAmountMinor) || !isMinor(r.buyerAmountMinor) || r.sellerAmountMinor + r.buyerAmountMinor !== total) {
            refuse('InvalidInput', `seller and buyer amounts must be non-negative integers adding up to ${total}`);
          }
          const expected = r.buyerAmountMinor === 0 ? 'release' : r.sellerAmountMinor === 0 ? 'refund' : 'split';
          if (r.resolution !== expected) refuse('InvalidInput', `amounts describe a ${expected}, not a ${r.resolution}`);
        },
      },
    );

    setHandler(
      cancelLinkUpdate,
      (c) =>
        this.exclusive(async () => {
          if (c.sellerId !== this.input.sellerId)
            refuse('NotTheSeller', 'only the seller can cancel this link', { code: 'not_the_seller' });
          this.requireState(CANCELLABLE_STATES, 'cancel_link'); // again: an OTP may have started a charge meanwhile
          // The checkout is closed at the provider first; a buyer who has just paid there keeps the deal.
          if (this.hosted === true && (await this.closeCheckout()) === 'decided')
            refuse('IllegalStep', 'the buyer has just paid', { code: 'illegal_step', action: 'cancel_link', state: 'payment_pending' });
          this.view.state = 'cancelled'; // the main flow tells the buyer and ends
          return { outcome: 'cancelled' as const };
        }),
      {
        validator: (c) => {
          if (c.sellerId !== this.input.sellerId)
            refuse('NotTheSeller', 'only the seller can cancel this link', { code: 'not_the_seller' });
          this.requireState(CANCELLABLE_STATES, 'cancel_link');
        },
      },
    );

    setHandler(
      resolveParkedUpdate,
      (r) => {
        this.parkedResolution = r;
        return { outcome: r.action === 'retry' ? ('retrying' as const) : ('refunding' as const) };
      },
      {
        validator: (r) => {
          requireText(r.agentId, 'agentId');
          const parked = this.view.parked;
          if (this.view.state !== 'parked' || parked === undefined || this.parkedResolution !== undefined)
            refuse('IllegalStep', 'this deal is not parked');
          if (!PARKED_ACTIONS[parked.reason].includes(r.action)) {
            refuse('InvalidInput', `a deal parked for ${parked.reason} can be: ${PARKED_ACTIONS[parked.reason].join(', ')}`);
          }
          if (r.note !== undefined && (typeof r.note !== 'string' || r.note.length > TEXT_LIMITS.staffNoteMaxChars)) {
            refuse('InvalidInput', `note must be text of at most ${TEXT_LIMITS.staffNoteMaxChars} characters`);
          }
        },
      },
    );
  }

  // ------------------------------------------------------------------ S101–S108, S117–S118

  /**
   * Stage zero ends when a buyer got the payment info, the seller cancelled, history asks for a
   * new run, or nobody took the link in time (runs started before LINK_EXPIRY_MS wait on).
   */
  async waitForBuyer(): Promise<'payment_info' | 'cancelled' | 'continue_as_new' | 'link_expired'> {
    const expiryMs = this.input.durations.linkExpiryMs;
    if (expiryMs !== undefined && this.view.linkExpiresAtMs === undefined) this.view.linkExpiresAtMs = Date.now() + expiryMs;
    const taken = () => this.view.paymentInfoSentAtMs !== undefined || this.view.state === 'cancelled' || this.shouldContinueAsNew();
    for (;;) {
      const expiresAt = this.view.linkExpiresAtMs;
      if (expiresAt === undefined) await condition(taken);
      else if (!(await condition(taken, Math.max(0, expiresAt - Date.now())))) {
        // Taken by the lock, so a buyer's request in flight finishes first (and may still get the payment info).
        const expired = await this.exclusive(async () => {
          if (this.view.state !== 'awaiting_buyer' || this.view.paymentInfoSentAtMs !== undefined) return false;
          this.view.state = 'expired';
          return true;
        });
        if (expired) return 'link_expired';
        continue;
      }
      if (this.view.state === 'cancelled') return 'cancelled';
      return this.view.paymentInfoSentAtMs !== undefined ? 'payment_info' : 'continue_as_new';
    }
  }

  /** Only stage zero can grow without bound (refused buyers); later stages are short. */
  private shouldContinueAsNew(): boolean {
    return this.view.state === 'awaiting_buyer' && workflowInfo().continueAsNewSuggested;
  }

  private async requestPayment(buyerId: string, dynamicPassword: string, scope: string): Promise<PaymentRequestOutcome> {
    const full = this.input.variant === 'full';
    const code = this.input.product.transactionCode;
    const screening = await act.screenBuyer({
      paymentCode: this.input.paymentCode,
      buyerId,
      dynamicPassword,
      checkWallet: full,
      checkPhone: full,
      attribute: full,
      phoneBindingPeriodMs: this.input.durations.phoneBindingPeriodMs,
    });
    if (!screening.passwordOk) {
      // claim 15
      const failures = (this.passwordFailures[buyerId] = (this.passwordFailures[buyerId] ?? 0) + 1);
      return { outcome: 'wrong_password', attemptsLeft: Math.max(0, this.input.maxPasswordFailures - failures) };
    }
    if (!screening.boundUser) {
      // S103
      await this.tell([{ scope, to: buyerId, message: { kind: 'bind_request', addFriendUrl: screening.addFriendUrl } }]);
      return { outcome: 'bind_required' };
    }
    if (screening.watchListed) {
      // S403: no payment info for this order
      this.blockedBuyers.add(buyerId);
      await this.tell([{ scope, to: buyerId, message: { kind: 'watchlist_blocked', transactionCode: code } }]);
      return { outcome: 'blocked' };
    }
    if (screening.limitRefusal) {
      await this.tell([
        {
          scope,
          to: buyerId,
          message: {
            kind: 'payment_failed',
            reason: screening.limitRefusal.detail,
            reasonCode: { code: 'limit_exceeded', rule: screening.limitRefusal.rule },
            transactionCode: code,
          },
        },
      ]);
      return { outcome: 'limit_exceeded', rule: screening.limitRefusal.rule, detail: screening.limitRefusal.detail };
    }
    return full ? this.attribute(buyerId, screening, scope) : this.offerToScreenedBuyer(buyerId, screening, scope);
  }

  // S104–S107 and S501–S504, S404–S407: the full variant attributes the code to one buyer.
  private async attribute(buyerId: string, screening: activities.Screening, scope: string): Promise<PaymentRequestOutcome> {
    // S104–S106 come before S501: someone else's code is refused as such whatever the intruder's
    // wallet (runs before this patch asked for the wallet first, and replay so).
    const intruder = screening.holder !== undefined && screening.holder !== buyerId;
    if (screening.walletState !== 'active' && !(intruder && patched(ATTRIBUTION_BEFORE_WALLET_PATCH))) {
      await act.ensureWalletActivation({ userId: buyerId }); // S502–S504: the activation workflow asks
      return { outcome: 'wallet_activation_required' };
    }
    if (screening.holder !== buyerId) {
      // S106: told once per refused buyer, whatever they retry: the key names the buyer, not the request.
      const code = this.input.product.transactionCode;
      await this.tell([
        {
          scope: `refused:${buyerId}`,
          to: this.input.sellerId,
          message: { kind: 'attribution_error', transactionCode: code, attemptedByName: screening.buyerName },
        },
        { scope: `refused:${buyerId}`, to: buyerId, message: { kind: 'code_already_attributed', transactionCode: code } },
      ]);
      return { outcome: 'attribution_error' };
    }
    {
      const said: Said[] = [];
      if (this.view.buyerId === undefined) {
        this.view.buyerId = buyerId; // S107: attributed (the claim in the database decided)
        said.push({
          scope: 'deal',
          to: buyerId,
          message: { kind: 'pending_payment_info', product: this.input.product, paymentUrl: this.paymentUrl() },
        });
      }
      if (screening.phone !== 'ok') {
        said.push({
          scope,
          to: buyerId,
          message:
            screening.phone === 'not_bound'
              ? { kind: 'phone_binding_request', bindUrl: `${this.input.publicBaseUrl}/pages/phone?order=${this.input.paymentCode}` } // S405
              : { kind: 'abnormal_binding', reason: screening.phone }, // S406/S407
        });
        await this.commit({ state: this.view.state, messages: said });
        return screening.phone === 'not_bound'
          ? { outcome: 'phone_binding_required' }
          : { outcome: 'abnormal_binding', reason: screening.phone };
      }
      return this.sendPaymentInfo(buyerId, screening, said, scope);
    }
  }

  // S117–S118: the simple variant screens every buyer and offers each the payment info.
  private offerToScreenedBuyer(buyerId: string, screening: activities.Screening, scope: string): Promise<PaymentRequestOutcome> {
    this.screenedBuyers.add(buyerId);
    return this.sendPaymentInfo(buyerId, screening, [], scope);
  }

  // S108 / S118: the payment info. The main flow watches paymentInfoSentAtMs and the state, so they
  // change only once the effects are done: a handler that changed them before an await would let
  // the main flow start its timers at a point a replay of the local activities cannot reproduce.
  private async sendPaymentInfo(
    buyerId: string,
    screening: activities.Screening,
    said: Said[],
    scope: string,
  ): Promise<PaymentRequestOutcome> {
    const full = this.input.variant === 'full';
    const state: OrderState = this.view.state === 'awaiting_buyer' ? 'awaiting_payment' : this.view.state;
    if (this.hosted === undefined) this.hosted = patched(HOSTED_CHECKOUT_PATCH);
    // The full variant's buyer is known: the provider issues this order's ATM account now, so the
    // payment info shows it. The simple variant opens it once the payer is fixed (S118).
    const checkout = this.hosted && full ? await this.ensureCheckout() : undefined;
    const account = checkout?.virtualAccount;
    said.push({
      scope,
      to: buyerId,
      message: {
        kind: 'payment_info',
        product: this.input.product,
        paymentUrl: this.paymentUrl(),
        ...(this.hosted
          ? account
            ? {
                virtualAccount: {
                  bankCode: account.bankCode,
                  accountNumber: account.accountNumber,
                  amountMinor: account.amountMinor,
                  currency: this.input.product.currency,
                  expiresAt: new Date(account.expiresAtMs).toISOString(),
                },
              }
            : {}
          : { paymentAccount: screening.paymentAccount }),
        verification: full ? 'otp' : 'none',
        ...(this.input.fee !== undefined && this.input.fee.feeMinor > 0 ? { fee: this.input.fee } : {}),
      },
    });
    await this.commit({ state, messages: said });
    this.view.state = state;
    if (this.view.paymentInfoSentAtMs === undefined) this.view.paymentInfoSentAtMs = Date.now();
    const { totalMinor, currency } = this.input.product;
    return { outcome: 'payment_info', totalMinor, currency, verification: full ? 'otp' : 'none' };
  }

  // ------------------------------------------------------------------ S111–S116

  // S111: the buyer chose how to pay; S112 an OTP follows (full), or the charge starts (S118).
  private async submitPaymentParameters(
    buyerId: string,
    source: PaymentSource | undefined,
    scope: string,
  ): Promise<PaymentParametersOutcome> {
    {
      this.requirePayer(buyerId);
      if (source === undefined) return this.payAtCheckout(buyerId, scope);
      this.requireState(['awaiting_payment', 'awaiting_otp'], 'set_payment_parameters');
      this.paymentSource = source;
      if (this.input.variant === 'full') return this.issueOtp(buyerId, scope);
      const refused = await this.fixPayer(buyerId, scope);
      if (refused) return refused;
      const started = await this.startCharge(scope);
      return started.ok ? { outcome: 'charging' } : { outcome: 'payment_failed', reason: started.reason };
    }
  }

  // S111 at the hosted checkout: the full variant verifies the buyer by OTP first (S112–S113); the
  // simple variant fixes the payer (S118). Then the buyer's browser goes to the provider's page.
  private async payAtCheckout(buyerId: string, scope: string): Promise<PaymentParametersOutcome> {
    this.requireState(['awaiting_payment', 'awaiting_otp', 'awaiting_checkout'], 'set_payment_parameters');
    if (this.view.state === 'awaiting_checkout') return { outcome: 'checkout', checkoutUrl: (await this.ensureCheckout()).url };
    this.paymentSource = undefined;
    if (this.input.variant === 'full') return this.issueOtp(buyerId, scope);
    const refused = await this.fixPayer(buyerId, scope);
    if (refused) return refused;
    const checkout = await this.ensureCheckout();
    this.view.state = 'awaiting_checkout';
    return { outcome: 'checkout', checkoutUrl: checkout.url };
  }

  /** S118: the simple variant's payer is fixed, their limits reserved; a refusal is told to the buyer and returned. */
  private async fixPayer(buyerId: string, scope: string): Promise<PaymentParametersOutcome | undefined> {
    const reserved = await act.reservePayer({ paymentCode: this.input.paymentCode, buyerId });
    if (reserved.ok) {
      this.view.buyerId = buyerId;
      return undefined;
    }
    if (reserved.holder !== undefined) refuse('NotTheBuyer', 'someone else is paying for this link', { code: 'someone_else_paying' });
    await this.tell([
      {
        scope,
        to: buyerId,
        message: {
          kind: 'payment_failed',
          reason: reserved.detail,
          reasonCode: { code: 'limit_exceeded', rule: reserved.rule },
          transactionCode: this.input.product.transactionCode,
        },
      },
    ]);
    return { outcome: 'limit_exceeded', rule: reserved.rule, detail: reserved.detail };
  }

  /** This order's open hosted checkout, opened (attempt n, its own idempotency key) when there is none. */
  private async ensureCheckout(): Promise<CheckoutView> {
    this.requireLock();
    if (this.view.checkout !== undefined) return this.view.checkout;
    const { product, durations } = this.input;
    this.checkoutAttempts += 1;
    // On a coarse clock: a workflow task lost after the provider accepted this step (its worker
    // killed) runs it again later, and must send the same body under the same key to get the same
    // session, and so the same payment info (see openOrderCheckout for the rare minute boundary).
    const now = onCheckoutClock(Date.now());
    const opened = await act.openCheckout({
      paymentCode: this.input.paymentCode,
      attempt: this.checkoutAttempts,
      amountMinor: this.chargeMinor(),
      currency: product.currency,
      description: `${product.productName} x${product.quantity}`,
      paymentDeadlineMs: onCheckoutClock((this.view.paymentInfoSentAtMs ?? now) + durations.paymentExpiryMs),
      openedAtMs: now,
      publicBaseUrl: this.input.publicBaseUrl,
    });
    this.checkoutSessionIds.push(opened.sessionId);
    this.view.checkout = {
      sessionId: opened.sessionId,
      url: opened.checkoutUrl,
      expiresAtMs: opened.expiresAtMs,
      ...(opened.virtualAccount ? { virtualAccount: opened.virtualAccount } : {}),
    };
    return this.view.checkout;
  }

  /** A result of the checkout session now open, for an order still waiting for its payment. */
  private isCurrentCheckoutResult(r: PaymentResult): boolean {
    return (
      this.hosted === true &&
      r.checkoutSessionId !== undefined &&
      r.checkoutSessionId === this.view.checkout?.sessionId &&
      this.chargeOutcome === undefined &&
      UNPAID_STATES.includes(this.view.state)
    );
  }

  // S112: a code bound to this buyer and this request; at most maxOtpSends per order, and a cap per buyer per hour.
  private async issueOtp(buyerId: string, scope: string): Promise<PaymentParametersOutcome> {
    if (this.otpSends >= this.input.maxOtpSends) return { outcome: 'otp_limit', detail: otpLimitDetail(this.input.maxOtpSends) };
    const issued = await act.issueOtp({
      paymentCode: this.input.paymentCode,
      buyerId,
      challengeKey: scope,
      ttlMs: this.input.durations.otpTtlMs,
      maxAttempts: this.input.maxOtpAttempts,
      transactionCode: this.input.product.transactionCode,
    });
    if (!issued.ok) return { outcome: 'otp_limit', detail: issued.detail, retryAfterMs: issued.retryAfterMs };
    this.otpSends += 1;
    this.otpChallengeId = issued.challengeId;
    this.view.state = 'awaiting_otp';
    return { outcome: 'otp_sent', expiresAtMs: issued.expiresAtMs };
  }

  // S113–S115: the code comes back; right → pay, wrong → a failure message with the reason.
  private async submitOtp(buyerId: string, otpProof: string, scope: string) {
    {
      this.requirePayer(buyerId);
      this.requireState(['awaiting_otp'], 'submit_otp');
      const challengeId = this.otpChallengeId;
      if (challengeId === undefined) return { outcome: 'otp_expired' as const };
      const check = await act.verifyOtp({ challengeId, buyerId, otpProof, checkKey: scope });
      if (check.result !== 'ok') {
        const reason =
          check.result === 'wrong'
            ? `wrong verification code, ${check.attemptsLeft} tries left`
            : check.result === 'expired'
              ? 'the verification code expired; ask for a new one'
              : 'too many wrong codes; ask for a new one';
        const reasonCode: Reason =
          check.result === 'wrong'
            ? { code: 'wrong_otp', attemptsLeft: check.attemptsLeft }
            : check.result === 'expired'
              ? { code: 'otp_expired' }
              : { code: 'otp_exhausted' };
        await this.tell([
          {
            scope,
            to: buyerId,
            message: { kind: 'payment_failed', reason, reasonCode, transactionCode: this.input.product.transactionCode },
          },
        ]);
        if (check.result !== 'wrong') this.otpChallengeId = undefined;
        return check.result === 'wrong'
          ? { outcome: 'wrong_otp' as const, attemptsLeft: check.attemptsLeft }
          : check.result === 'expired'
            ? { outcome: 'otp_expired' as const }
            : { outcome: 'otp_exhausted' as const };
      }
      this.otpChallengeId = undefined;
      if (this.hosted === true && this.paymentSource === undefined) {
        // S114 at the provider: the buyer's browser goes to the hosted checkout; the result comes by webhook.
        const checkout = await this.ensureCheckout();
        this.view.state = 'awaiting_checkout';
        return { outcome: 'checkout' as const, checkoutUrl: checkout.url };
      }
      const started = await this.startCharge(scope);
      return started.ok ? { outcome: 'charging' as const } : { outcome: 'payment_failed' as const, reason: started.reason };
    }
  }

  // S114: the payment flow runs at the provider; its result arrives as a signed webhook (S201).
  // Called holding the lock; the state moves to payment_pending only once the charge exists.
  private async startCharge(scope: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const source = this.paymentSource;
    const payer = this.view.buyerId;
    if (source === undefined || payer === undefined)
      throw ApplicationFailure.nonRetryable('a charge needs a payer and a payment source', 'InvalidInput');
    this.chargeAttempts += 1;
    try {
      const { chargeId } = await act.startCharge({
        paymentCode: this.input.paymentCode,
        attempt: this.chargeAttempts,
        amountMinor: this.chargeMinor(),
        currency: this.input.product.currency,
        paymentSource: source,
      });
      this.chargeIds.push(chargeId);
      this.view.chargeId = chargeId;
      this.view.state = 'payment_pending';
      return { ok: true };
    } catch (err) {
      // The provider refused the charge outright (S115): nothing was charged; the buyer may try again.
      if (this.view.state === 'awaiting_otp') this.view.state = 'awaiting_payment';
      const reason =
        err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : 'the payment could not be started';
      await this.tell([
        {
          scope,
          to: payer,
          message: {
            kind: 'payment_failed',
            reason,
            reasonCode: { code: 'charge_not_started' },
            transactionCode: this.input.product.transactionCode,
          },
        },
      ]);
      return { ok: false, reason };
    }
  }

  /** Until paid, cancelled or expired; reminds once (S116). Expiry and cancelling wait for a handler that holds the lock. */
  async waitForPayment(): Promise<ChargeOutcome | 'expired' | 'cancelled'> {
    const start = mustHave(this.view.paymentInfoSentAtMs, 'payment info sent');
    const reminderAt = start + this.input.durations.paymentReminderMs;
    const expiresAt = start + this.input.durations.paymentExpiryMs;
    let checkoutAskAt: number | undefined; // hosted checkout: when to ask the provider about the session the buyer went to
    for (;;) {
      if (this.view.state === 'cancelled') return 'cancelled';
      if (this.hosted === true && this.chargeOutcome !== undefined && UNPAID_STATES.includes(this.view.state)) {
        // The hosted checkout's result (card, or a transfer into the ATM account): the charge is decided.
        this.view.state = 'payment_pending';
        const outcome = this.takeChargeOutcome();
        if (outcome.succeeded) return outcome;
        await this.checkoutFailed(outcome);
        continue;
      }
      if (this.view.state === 'payment_pending') {
        const outcome = await this.waitForChargeOutcome();
        if (outcome.succeeded) return outcome;
        await this.chargeFailed(outcome);
        continue;
      }
      const now = Date.now();
      if (now >= expiresAt) {
        const expired = await this.exclusive(async () => {
          if (!UNPAID_STATES.includes(this.view.state) || this.chargeOutcome !== undefined) return false; // a charge started meanwhile
          // The checkout is closed at the provider first, so nothing is paid into an expired order; a session
          // the provider already decided (a lost webhook) is taken as the result instead of expiring.
          if (this.hosted === true && (await this.closeCheckout()) === 'decided' && (await this.askCheckout()) !== 'none') return false;
          this.view.state = 'expired';
          return true;
        });
        if (expired) return 'expired';
        continue;
      }
      if (!this.view.reminderSent && now >= reminderAt) {
        this.view.reminderSent = true;
        await this.exclusive(() => this.tell(this.reminders()));
        continue;
      }
      // The buyer went to the hosted checkout: without the provider's webhook, the provider is asked now and then.
      if (this.view.state === 'awaiting_checkout' && checkoutAskAt !== undefined && now >= checkoutAskAt) {
        checkoutAskAt = now + this.input.durations.chargeResultWaitMs;
        await this.exclusive(async () => {
          if (this.view.state === 'awaiting_checkout' && this.chargeOutcome === undefined) await this.askCheckout();
        });
        continue;
      }
      if (this.view.state !== 'awaiting_checkout') checkoutAskAt = undefined;
      else if (checkoutAskAt === undefined) checkoutAskAt = now + this.input.durations.chargeResultWaitMs;
      const timers = [this.view.reminderSent || reminderAt >= expiresAt ? expiresAt : reminderAt];
      if (this.view.state === 'awaiting_checkout' && checkoutAskAt !== undefined) timers.push(checkoutAskAt);
      const next = Math.min(...timers);
      await condition(
        () =>
          this.view.state === 'payment_pending' ||
          this.view.state === 'cancelled' ||
          (this.hosted === true &&
            (this.chargeOutcome !== undefined || (this.view.state === 'awaiting_checkout' && checkoutAskAt === undefined))),
        next - now,
      );
    }
  }

  /** S116: the reminder, to whoever got the payment info and has not paid: never the seller. */
  private reminders(): Said[] {
    const message: DealMessage = {
      kind: 'payment_reminder',
      paymentUrl: this.paymentUrl(),
      transactionCode: this.input.product.transactionCode,
    };
    if (!patched(REMINDER_TO_BUYERS_PATCH)) {
      return [{ scope: 'deal', to: mustHave(this.view.buyerId ?? this.input.sellerId, 'recipient'), message }];
    }
    const buyers = this.view.buyerId !== undefined ? [this.view.buyerId] : [...this.screenedBuyers];
    return buyers.map((to) => ({ scope: 'deal', to, message }));
  }

  /** Closes the order's open checkout at the provider (page and ATM account); 'decided' when the provider already took a payment. */
  private async closeCheckout(): Promise<'closed' | 'decided' | 'none'> {
    const sessionId = this.view.checkout?.sessionId;
    if (sessionId === undefined) return 'none';
    return act.closeCheckout({ sessionId });
  }

  /**
   * Asks the provider about the open checkout (its webhook may be lost). A decided charge is
   * recorded as its outcome; a charge still pending at the provider makes the order wait for it
   * as for any charge (asked again, then parked for a person).
   */
  private async askCheckout(): Promise<'decided' | 'pending' | 'none'> {
    const sessionId = this.view.checkout?.sessionId;
    if (sessionId === undefined) return 'none';
    const found = await act.checkoutStatus({ sessionId });
    if (found === null) return 'none';
    if (!this.chargeIds.includes(found.chargeId)) this.chargeIds.push(found.chargeId);
    this.view.chargeId = found.chargeId;
    if (found.status === 'pending') {
      this.view.state = 'payment_pending';
      return 'pending';
    }
    this.chargeOutcome = {
      eventId: `poll:${found.chargeId}`,
      succeeded: found.status === 'succeeded',
      amountMinor: found.amountMinor,
      currency: found.currency,
      occurredAtMs: found.createdMs,
      failureCode: found.failureCode,
      failureMessage: found.failureMessage,
    };
    return 'decided';
  }

  /** The card was declined (or the challenge failed): the session is spent, so a new one is opened; the buyer may try again. */
  private async checkoutFailed(outcome: ChargeOutcome): Promise<void> {
    await this.exclusive(async () => {
      this.view.state = 'awaiting_payment';
      this.view.checkout = undefined;
      await this.ensureCheckout();
      await this.tell([this.declined(outcome)]);
    });
  }

  /** The provider's webhook, or — when it does not come — the provider's own answer; else a person looks. */
  private async waitForChargeOutcome(): Promise<ChargeOutcome> {
    for (;;) {
      if (await condition(() => this.chargeOutcome !== undefined, this.input.durations.chargeResultWaitMs)) return this.takeChargeOutcome();
      const chargeId = mustHave(this.view.chargeId, 'charge id');
      const status = await this.exclusive(() => act.chargeStatus({ chargeId }));
      if (status.status !== 'pending') {
        return {
          eventId: `poll:${chargeId}`,
          succeeded: status.status === 'succeeded',
          amountMinor: status.amountMinor,
          currency: status.currency,
          occurredAtMs: status.createdMs,
          failureCode: status.failureCode,
          failureMessage: status.failureMessage,
        };
      }
      await this.park('charge_result_missing', `charge ${chargeId} is still pending at the provider`);
      if (this.chargeOutcome !== undefined) return this.takeChargeOutcome();
    }
  }

  private takeChargeOutcome(): ChargeOutcome {
    const outcome = mustHave(this.chargeOutcome, 'charge outcome');
    this.chargeOutcome = undefined;
    return outcome;
  }

  /** What the payer is told when the provider declined: the provider's code travels, the renderer words it. */
  private declined(outcome: ChargeOutcome): Said {
    return {
      scope: `event:${outcome.eventId}`,
      to: mustHave(this.view.buyerId, 'payer'),
      message: {
        kind: 'payment_failed',
        reason: outcome.failureMessage ?? outcome.failureCode ?? 'the payment was declined',
        reasonCode: { code: 'card_declined', ...(outcome.failureCode !== undefined ? { providerCode: outcome.failureCode } : {}) },
        transactionCode: this.input.product.transactionCode,
      },
    };
  }

  private async chargeFailed(outcome: ChargeOutcome): Promise<void> {
    await this.exclusive(async () => {
      this.view.state = 'awaiting_payment'; // the buyer may try again
      await this.tell([this.declined(outcome)]);
    });
  }

  async expire(): Promise<OrderView> {
    const code = this.input.product.transactionCode;
    const recipients = [this.input.sellerId, ...(this.view.buyerId ? [this.view.buyerId] : [])];
    return this.finish({
      state: 'expired',
      releaseLimits: true,
      messages: recipients.map((to) => ({ scope: 'deal', to, message: { kind: 'order_expired', transactionCode: code } })),
    });
  }

  /** Nobody took the link in time: the seller is told (a buyer stuck before the payment info too); limits reserved are given back. */
  async expireLink(): Promise<OrderView> {
    const { product } = this.input;
    const days = Math.max(1, Math.round((this.input.durations.linkExpiryMs ?? 0) / (24 * 60 * 60 * 1000)));
    const buyer = this.view.buyerId;
    return this.finish({
      state: 'expired',
      releaseLimits: true,
      messages: [
        {
          scope: 'deal',
          to: this.input.sellerId,
          message: {
            kind: 'link_expired',
            transactionCode: product.transactionCode,
            productName: product.productName,
            expiredAfterDays: days,
            // Data for the card only: the step and its effects are the same as before, so runs replay unchanged.
            ...(this.input.durations.linkExpiryMs !== undefined ? { expiredAfterMs: this.input.durations.linkExpiryMs } : {}),
          },
        },
        ...(buyer
          ? [{ scope: 'deal', to: buyer, message: { kind: 'order_expired' as const, transactionCode: product.transactionCode } }]
          : []),
      ],
    });
  }

  async cancel(): Promise<OrderView> {
    const code = this.input.product.transactionCode;
    const buyer = this.view.buyerId;
    return this.finish({
      state: 'cancelled',
      releaseLimits: true,
      messages: buyer ? [{ scope: 'deal', to: buyer, message: { kind: 'order_cancelled', transactionCode: code } }] : [],
    });
  }

  // ------------------------------------------------------------------ S201–S203

  /** S202–S203: the points go into this order's escrow and both parties are told; an amount that does not add up parks. */
  async stageOne(paid: ChargeOutcome): Promise<'held' | 'refunded'> {
    const { product, durations } = this.input;
    const matches = paid.amountMinor === this.chargeMinor() && paid.currency === product.currency;
    // Money the provider took in our currency is booked as it is, so the ledger matches the provider's statement.
    const bookedMinor = paid.currency === product.currency ? paid.amountMinor : 0;
    const stageOne = bookedMinor > 0 ? { kind: 'stage_one' as const, amountMinor: bookedMinor, currency: product.currency } : undefined;
    if (!matches) {
      this.view.chargedMinor = paid.amountMinor;
      await this.exclusive(() => this.commit({ state: this.view.state, money: stageOne, messages: [] }));
      const detail = `the provider charged ${paid.amountMinor} ${paid.currency}; the order is ${this.chargeMinor()} ${product.currency}`;
      const resolution = await this.park('amount_mismatch', detail);
      await this.refundAfterPark(resolution, bookedMinor, paid.amountMinor);
      return 'refunded';
    }
    // The window counts from the payment the provider reports (the same in every run of this code);
    // a result that reached us late still leaves the buyer a full window.
    const fromPaymentMs = paid.occurredAtMs + durations.decisionWindowMs;
    this.view.decisionDeadlineMs =
      fromPaymentMs - Date.now() > durations.decisionWindowMs / 2 ? fromPaymentMs : Date.now() + durations.decisionWindowMs;
    this.view.state = 'escrow';
    const message = (audience: 'buyer' | 'seller'): DealMessage => ({
      kind: 'stage_one',
      product,
      progressUrl: `${this.input.publicBaseUrl}/pages/pay/${this.input.paymentCode}`,
      qrImageUrl: `${this.input.publicBaseUrl}/media/qr/${product.transactionCode}.png`,
      decisionDeadline: new Date(mustHave(this.view.decisionDeadlineMs, 'decision deadline')).toISOString(),
      audience,
      ...(audience === 'buyer' && (this.input.maxDecisionExtensions ?? 0) > 0 && (durations.decisionExtensionMs ?? 0) > 0
        ? { extendable: true }
        : {}),
    });
    const buyer = mustHave(this.view.buyerId, 'buyer');
    const said: Said[] = [
      { scope: 'deal', to: buyer, message: message('buyer') },
      { scope: 'deal', to: this.input.sellerId, message: message('seller') },
    ];
    await this.exclusive(() => this.commit({ state: 'escrow', money: stageOne, messages: said }));
    return 'held';
  }

  // ------------------------------------------------------------------ S204–S206

  /**
   * The buyer's decision, or silence when the window closes (S206); the two never both count. A
   * decision the buyer took in time but that could not reach us then (an outage of ours) is
   * found where the api and the chat inbox keep it before relaying it.
   */
  async waitForDecision(): Promise<Decision> {
    const buyerId = mustHave(this.view.buyerId, 'buyer');
    for (;;) {
      const deadlineMs = mustHave(this.view.decisionDeadlineMs, 'decision deadline');
      // A buyer's extension moves the deadline: the wait starts again from the new one.
      await condition(
        () => this.decision !== undefined || this.view.decisionDeadlineMs !== deadlineMs,
        Math.max(0, deadlineMs - Date.now()),
      );
      const decided = await this.closeDecision(buyerId, deadlineMs);
      if (decided !== undefined) return decided;
    }
  }

  /** The window closed (or a decision came): the decision, or undefined when an extension moved the deadline meanwhile. */
  private closeDecision(buyerId: string, deadlineMs: number): Promise<Decision | undefined> {
    return this.exclusive(async () => {
      if (this.decision === undefined && this.view.decisionDeadlineMs !== deadlineMs) return undefined;
      if (this.decision === undefined) {
        const inTime = await act.decisionTakenInTime({ paymentCode: this.input.paymentCode, buyerId, deadlineMs });
        this.decision = inTime
          ? { buyerId, decision: inTime.decision, reason: inTime.reason }
          : { buyerId, decision: 'agree', silent: true };
      }
      const decision = this.decision;
      this.view.state = decision.decision === 'dispute' ? 'disputed' : 'settling';
      return decision;
    });
  }

  /**
   * S205: dispute info to both; support staff step in. The buyer is also asked for a reason (quick
   * replies or their own words) and photos, which the chat attaches to the dispute
   * (src/line/webhook/dispute-evidence.ts). Answers whether this deal has that conversation.
   */
  async openDispute(reason: string): Promise<boolean> {
    this.view.dispute = { reason, openedAtMs: Date.now(), escalated: false };
    const conversation = patched('dispute-conversation');
    const { transactionCode } = this.input.product;
    const ask: Said[] = conversation
      ? [
          {
            scope: 'deal',
            to: mustHave(this.view.buyerId, 'buyer'),
            message: { kind: 'evidence_request', transactionCode, role: 'buyer', reasons: true },
          },
        ]
      : [];
    await this.exclusive(() =>
      this.commit({
        state: 'disputed',
        disputeReason: reason,
        messages: [...this.toBoth('deal', { kind: 'dispute_opened', transactionCode, reason }), ...ask],
      }),
    );
    return conversation;
  }

  async waitForResolution(): Promise<DisputeResolution> {
    const dispute = mustHave(this.view.dispute, 'dispute');
    let inTime: boolean;
    if (patched('dispute-deadline')) {
      // The deadline can move (support extends it), so the wait starts again whenever it does.
      dispute.deadlineMs = dispute.openedAtMs + this.input.durations.disputeEscalationMs;
      for (;;) {
        const deadlineMs = dispute.deadlineMs;
        const leftMs = deadlineMs - Date.now();
        if (this.resolution !== undefined || leftMs <= 0) break;
        await condition(() => this.resolution !== undefined || dispute.deadlineMs !== deadlineMs, leftMs);
      }
      inTime = this.resolution !== undefined;
    } else {
      inTime = await condition(() => this.resolution !== undefined, this.input.durations.disputeEscalationMs);
    }
    if (!inTime) {
      await this.exclusive(async () => {
        if (this.resolution !== undefined) return; // resolved while the timer fired
        mustHave(this.view.dispute, 'dispute').escalated = true;
        await this.tell(this.toBoth('deal', { kind: 'dispute_escalated', transactionCode: this.input.product.transactionCode }));
      });
      await condition(() => this.resolution !== undefined); // money waits for a person, never for a timer
    }
    const resolution = mustHave(this.resolution, 'resolution');
    this.view.state = 'settling';
    return resolution;
  }

  // ------------------------------------------------------------------ S206–S207 and claim 6

  /** Escrow → seller wallet and/or back to the buyer, all or nothing; a refusal parks the deal, money untouched. */
  async settle(
    split: { sellerAmountMinor: number; buyerAmountMinor: number; decidedBy: string; note?: string },
    options: { providerRefundMinor?: number; withoutFee?: boolean } = {},
  ): Promise<OrderView> {
    const { product } = this.input;
    // The goods' total is shared out; the fee is taken from the seller's part pro rata (src/deal/fees.ts).
    const shares = options.withoutFee
      ? { sellerMinor: split.sellerAmountMinor, feeMinor: 0, buyerMinor: split.buyerAmountMinor }
      : settleWithFee(product.totalMinor, this.input.fee, split.sellerAmountMinor, split.buyerAmountMinor);
    const providerRefundMinor = options.providerRefundMinor ?? shares.buyerMinor;
    for (;;) {
      this.settleAttempts += 1;
      const settled = await this.exclusive(() =>
        this.moneyStep(() =>
          money.settle({
            paymentCode: this.input.paymentCode,
            attempt: this.settleAttempts,
            sellerId: this.input.sellerId,
            chargeId: this.view.chargeId,
            currency: product.currency,
            sellerAmountMinor: shares.sellerMinor,
            buyerAmountMinor: shares.buyerMinor,
            ...(shares.feeMinor > 0 ? { feeMinor: shares.feeMinor } : {}),
            providerRefundMinor,
            decidedBy: split.decidedBy,
          }),
        ),
      );
      if (settled.ok) break;
      await this.park('settlement_refused', settled.detail); // the only way on is a person's retry
    }
    this.view.sellerPaidMinor = shares.sellerMinor;
    this.view.buyerRefundedMinor = shares.buyerMinor;
    if (shares.feeMinor > 0) this.view.feeChargedMinor = shares.feeMinor;
    this.view.silentAgreement = this.decision?.silent === true;
    const outcome =
      split.buyerAmountMinor === 0 && providerRefundMinor === 0 ? 'released' : split.sellerAmountMinor === 0 ? 'refunded' : 'split';
    const result: DealMessage = {
      kind: 'transaction_result',
      product,
      outcome,
      sellerPaidMinor: shares.sellerMinor,
      buyerRefundedMinor: shares.buyerMinor,
      ...(split.note ? { note: split.note } : {}),
    };
    if (split.note) this.view.resolutionNote = split.note;
    const stageTwo: DealMessage = {
      kind: 'stage_two',
      product,
      sellerPaidMinor: shares.sellerMinor,
      ...(shares.feeMinor > 0 ? { feeMinor: shares.feeMinor } : {}),
    };
    return this.finish({
      state: split.sellerAmountMinor > 0 ? 'completed' : 'refunded',
      settled: {
        sellerAmountMinor: shares.sellerMinor,
        buyerAmountMinor: shares.buyerMinor,
        ...(shares.feeMinor > 0 ? { feeMinor: shares.feeMinor } : {}),
        currency: product.currency,
        decidedBy: split.decidedBy,
      },
      messages: [...(split.sellerAmountMinor > 0 ? this.toBoth('deal', stageTwo) : []), ...this.toBoth('deal', result)],
    });
  }

  private async refundAfterPark(resolution: ParkedResolution, bookedMinor: number, chargedMinor: number): Promise<void> {
    // Everything taken goes back, whatever the fee: the deal never happened.
    await this.settle(
      { sellerAmountMinor: 0, buyerAmountMinor: bookedMinor, decidedBy: resolution.agentId },
      { providerRefundMinor: chargedMinor, withoutFee: true },
    );
  }

  private async moneyStep(step: () => Promise<activities.SettleOutcome>): Promise<activities.SettleOutcome> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof ActivityFailure) return { ok: false, detail: err.cause?.message ?? err.message };
      throw err;
    }
  }

  // ------------------------------------------------------------------ parking: a person decides

  /** The deal waits, visibly (state, search attribute, orders row, both parties told), until support acts. */
  private async park(reason: ParkReason, detail: string): Promise<ParkedResolution> {
    const resumeState = this.view.state;
    this.parks += 1;
    this.view.state = 'parked';
    this.view.parked = { reason, atMs: Date.now(), detail };
    const message: DealMessage = { kind: 'deal_parked', transactionCode: this.input.product.transactionCode, reason };
    await this.exclusive(() =>
      this.commit({
        state: 'parked',
        parkReason: reason,
        parkDetail: detail,
        messages: this.toBoth(`park-${this.parks}-${reason}`, message),
      }),
    );
    await condition(() => this.parkedResolution !== undefined || (reason === 'charge_result_missing' && this.chargeOutcome !== undefined));
    const resolution = this.parkedResolution ?? { agentId: 'provider-webhook', action: 'retry' as ParkedAction };
    this.parkedResolution = undefined;
    this.view.parked = undefined;
    this.view.state = resumeState;
    await this.exclusive(() =>
      this.commit({ state: resumeState, actor: `support:${resolution.agentId}`, note: resolution.note, messages: [] }),
    );
    return resolution;
  }

  // ------------------------------------------------------------------ effects: tell (words only) and commit (everything)

  private async tell(said: Said[]): Promise<void> {
    this.requireLock();
    await act.sendMessages({ messages: said.map((s) => this.keyed(s)) });
  }

  /**
   * One step's effects: money, read model, audit, then words (each idempotent by its key).
   * Search attributes follow the state here, in the same workflow task, so operators' filters and
   * the orders table change together.
   */
  private async commit(step: {
    state: OrderState;
    messages: Said[];
    money?: activities.MoneyMove;
    settled?: activities.StepCommit['settled'];
    disputeReason?: string;
    parkReason?: ParkReason;
    parkDetail?: string;
    releaseLimits?: boolean;
    actor?: string;
    note?: string;
  }): Promise<void> {
    this.requireLock();
    this.steps += 1;
    const attributes: SearchAttributeUpdatePair[] = [];
    if (step.state !== this.lastState) attributes.push({ key: OrderStateAttribute, value: step.state });
    if (this.view.buyerId !== undefined && this.view.buyerId !== this.lastBuyer)
      attributes.push({ key: BuyerIdAttribute, value: this.view.buyerId });
    if (attributes.length > 0) upsertSearchAttributes(attributes);
    this.lastState = step.state;
    this.lastBuyer = this.view.buyerId;
    const { messages, ...rest } = step;
    await act.commitStep({
      ...rest,
      paymentCode: this.input.paymentCode,
      sellerId: this.input.sellerId,
      buyerId: this.view.buyerId,
      chargeId: this.view.chargeId,
      stateVersion: this.steps,
      messages: messages.map((s) => this.keyed(s)),
    });
  }

  private async finish(step: Parameters<Deal['commit']>[0]): Promise<OrderView> {
    this.view.state = step.state;
    await this.exclusive(() => this.commit(step));
    await condition(allHandlersFinished);
    return this.view;
  }

  // ------------------------------------------------------------------ small helpers

  /**
   * Every effect (each local activity) runs holding the deal's lock, one at a time, in the order
   * its cause reached the workflow. Local activities of concurrent handlers would otherwise be
   * scheduled in the order they happened to finish, which a replay cannot reproduce.
   */
  /** An update that takes the deal lock: its scope (what makes its messages unique) is taken before the lock is waited for. */
  private onUpdate<Arg, Ret>(
    update: UpdateDefinition<Ret, [Arg]>,
    run: (arg: Arg, scope: string) => Promise<Ret>,
    validator: (arg: Arg) => void,
  ): void {
    setHandler(
      update,
      (arg: Arg) => {
        const scope = updateScope();
        return this.exclusive(() => run(arg, scope));
      },
      { validator },
    );
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.runExclusive(fn);
  }

  private requireLock(): void {
    if (!this.lock.isLocked()) throw new Error('invariant: an effect outside the deal lock');
  }

  /** Who may ask for payment now (validator, and again once the handler holds the lock). */
  private admitPaymentRequest(buyerId: string): void {
    if (buyerId === this.input.sellerId) refuse('SelfDealing', 'you cannot pay for your own payment link', { code: 'self_dealing' });
    if (this.blockedBuyers.has(buyerId)) refuse('BuyerBlocked', 'this buyer is blocked for this order', { code: 'buyer_blocked' });
    if ((this.passwordFailures[buyerId] ?? 0) >= this.input.maxPasswordFailures)
      refuse('PasswordLocked', 'too many wrong dynamic passwords for this order', { code: 'password_locked' });
    // Someone else's code: S106 answers it whatever the order's state, and says nothing of that state.
    if (this.isIntruder(buyerId)) return;
    if (this.input.variant === 'simple' && this.view.buyerId !== undefined && this.view.buyerId !== buyerId)
      refuse('NotTheBuyer', 'someone else is paying for this link', { code: 'someone_else_paying' });
    this.requireState(OPEN_STATES, 'request_payment');
  }

  /** S204: the buyer, in the window still open, with an extension left. */
  private admitExtension(buyerId: string): void {
    this.requireBuyer(buyerId);
    this.requireState(['escrow'], 'extend_decision');
    const deadline = this.view.decisionDeadlineMs;
    if (this.decision !== undefined || deadline === undefined || Date.now() >= deadline)
      refuse('IllegalStep', 'the decision window has closed', { code: 'decision_window_closed' });
    const max = this.input.maxDecisionExtensions ?? 0;
    if ((this.view.decisionExtensions ?? 0) >= max || (this.input.durations.decisionExtensionMs ?? 0) <= 0)
      refuse('IllegalStep', `the decision window can be extended at most ${max} times`, { code: 'extension_used', max });
  }

  private keyed(said: Said): Outgoing {
    return { to: said.to, message: said.message, retryKey: `${workflowInfo().workflowId}:${said.scope}:${said.message.kind}:${said.to}` };
  }

  private toBoth(scope: string, message: DealMessage): Said[] {
    return [mustHave(this.view.buyerId, 'buyer'), this.input.sellerId].map((to) => ({ scope, to, message }));
  }

  /** What the buyer is charged: the total, plus the fee when the buyer pays it (runs before fees: the total). */
  private chargeMinor(): number {
    return chargeTotalMinor(this.input.product.totalMinor, this.input.fee);
  }

  private paymentUrl(): string {
    return `${this.input.publicBaseUrl}/pages/pay/${this.input.paymentCode}`;
  }

  /** The buyer's own decision, already in force (taken from the kept record when the window closed). */
  private isDecisionTaken(d: BuyerDecision): boolean {
    return (
      this.decision !== undefined &&
      this.decision.silent !== true &&
      this.decision.buyerId === d.buyerId &&
      this.decision.decision === d.decision
    );
  }

  private isIntruder(buyerId: string): boolean {
    return this.input.variant === 'full' && this.view.buyerId !== undefined && this.view.buyerId !== buyerId;
  }

  private requireState(allowed: OrderState[], action: StepAction): void {
    const state = this.view.state;
    if (!allowed.includes(state))
      refuse('IllegalStep', `cannot ${STEP_ACTION_WORDS[action]} while the order is ${state}`, { code: 'illegal_step', action, state });
  }

  private requireExtensible(): void {
    this.requireState(['disputed'], 'extend_dispute_deadline');
    if (this.resolution !== undefined) refuse('IllegalStep', 'this dispute is already resolved');
    const dispute = this.view.dispute;
    if (dispute?.deadlineMs === undefined) refuse('IllegalStep', 'this dispute has no deadline that can be extended');
    if (dispute.escalated) refuse('IllegalStep', 'this dispute has already been escalated to a person');
  }

  private requireOtpSendsLeft(): void {
    if (this.otpSends >= this.input.maxOtpSends)
      refuse('OtpLimit', otpLimitDetail(this.input.maxOtpSends), { code: 'otp_limit', max: this.input.maxOtpSends });
  }

  /** The one buyer who may pay: the attributed buyer (full), or a screened buyer while nobody else pays (simple). */
  private requirePayer(buyerId: string): void {
    requireText(buyerId, 'buyerId');
    if (this.view.buyerId !== undefined) {
      if (buyerId !== this.view.buyerId) refuse('NotTheBuyer', 'this order is attributed to another buyer', { code: 'not_the_buyer' });
      return;
    }
    if (this.input.variant === 'full' || !this.screenedBuyers.has(buyerId))
      refuse('NotTheBuyer', 'request the payment info for this order first', { code: 'request_payment_info_first' });
  }

  private requireBuyer(buyerId: string): void {
    if (this.view.buyerId === undefined || buyerId !== this.view.buyerId)
      refuse('NotTheBuyer', 'only the buyer of this order can decide', { code: 'not_the_buyer' });
  }
}

/** The update being handled: what makes a message it causes unique. Called first thing in a handler. */
function updateScope(): string {
  return `update:${mustHave(currentUpdateInfo(), 'update info').id}`;
}

function otpLimitDetail(maxSends: number): string {
  return `at most ${maxSends} verification codes can be sent for one order; ask the seller for a new link`;
}

/**
 * An invariant. A plain Error fails the workflow task, not the workflow: the deal stops where it
 * is, visible to operators, and resumes once the code is fixed (nothing is paid on a guess).
 */
function mustHave<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`invariant: ${what} is missing`);
  return value;
}

function isMinor(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The checkout's times, to the minute below (the session may close a little before the order does, never after). */
const CHECKOUT_CLOCK_MS = 60_000;
function onCheckoutClock(ms: number): number {
  return Math.floor(ms / CHECKOUT_CLOCK_MS) * CHECKOUT_CLOCK_MS;
}
