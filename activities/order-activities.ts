import { webhookUrl } from '../src/domain/webhooks';
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { openJournaledCheckout } from '../src/payment/checkout-journal';
import type { ChatPort } from '../src/chat/port';
import type { Outgoing } from '../src/chat/messages';
import type { Settings } from '../src/config/settings';
import type { PaymentLinkRow } from '../src/db/tables';
import {
  collectionAccountFor,
  escrowAccountId,
  feeAccountId,
  feeTransferId,
  postTransferId,
  providerClearingAccountId,
  refundIdempotencyKey,
  refundTransferId,
  releaseTransferId,
  stageOneTransferId,
  voidTransferId,
  walletAccountId,
} from '../src/domain/ids';
import type { Currency } from '../src/domain/money';
import { LedgerError, type Ledger, type TransferInput } from '../src/ledger';
import { dynamicPasswordMatches } from '../src/links/dynamic-password';
import { challengeOtp, otpProof, proofsMatch } from '../src/otp/otp';
import { CHECKOUT_LANGUAGES, PaymentRefused, type OrderCheckout, type OrderCheckoutInput, type PaymentProvider } from '../src/payment';
import type { Charge } from '../src/payment/contract';
import { phoneStatus, type PhoneBindingRow, type PhoneStatus } from '../src/phone/intelligence';
import { appendAudit } from '../src/audit';
import { maskIdentifier } from '../src/crypto';
import { checkLimits, releaseLimitEvent, reserveLimits, type LimitDecision, type LimitEvent } from '../src/limits';
import type { ParkReason, PaymentSource } from '../workflows/order-messages';
import { matchWatchlist, matchWatchlistPhoneHashes } from '../src/watchlist';
import { startWalletActivation } from '../src/wallet/activation';
import { decisionTakenInTime } from '../src/deal/decision-intents';
import { sendAll } from './messaging';

/**
 * What the order workflow does to the world. Every function is idempotent under retry: the
 * ledger by transfer id, the provider by idempotency key, messages by retry key, the read model
 * by a monotonic state version.
 */
export interface OrderActivityDeps {
  knex: Knex;
  ledger: Ledger;
  chat: ChatPort;
  payments: PaymentProvider;
  temporal: Client;
  settings: Settings;
}

export interface ScreenBuyerInput {
  paymentCode: string;
  buyerId: string;
  dynamicPassword: string;
  checkWallet: boolean;
  checkPhone: boolean;
  /** Claim the payment code for this buyer when the checks before attribution pass (S104–S107). */
  attribute: boolean;
  phoneBindingPeriodMs: number;
}

export interface Screening {
  passwordOk: boolean;
  boundUser: boolean;
  addFriendUrl: string;
  watchListed: boolean;
  walletState: 'inactive' | 'active' | 'locked' | 'invalidated';
  phone: PhoneStatus;
  /** Where the buyer's money goes: this order's collection (virtual) account at the escrow bank. */
  paymentAccount: string;
  /** A velocity rule or tier cap that refuses this payment, by name. */
  limitRefusal?: { rule: string; detail: string };
  /** Who holds the payment code after this request (the database decides, exactly once). */
  holder?: string;
  /** How the seller is told who tried a code that is not theirs: a display name or a mask, never the platform id. */
  buyerName: string;
}

/** S202: what the provider took, into this order's escrow. */
export type MoneyMove = { kind: 'stage_one'; amountMinor: number; currency: Currency };

export interface StepCommit {
  paymentCode: string;
  sellerId: string;
  state: string;
  stateVersion: number;
  /** The attributed buyer (recorded by the attribution claim; here for the audit). */
  buyerId?: string;
  chargeId?: string;
  disputeReason?: string;
  money?: MoneyMove;
  /** The settlement that was applied (money already moved by `settle`): for the read model and the audit. */
  settled?: { sellerAmountMinor: number; buyerAmountMinor: number; feeMinor?: number; currency: Currency; decidedBy: string };
  parkReason?: ParkReason;
  parkDetail?: string;
  /** The order ended before payment: give back the limits it reserved. */
  releaseLimits?: boolean;
  /** Who caused this step, when a person did (`support:<id>`). */
  actor?: string;
  note?: string;
  messages: Outgoing[];
}

export interface SettleInput {
  paymentCode: string;
  /** Each attempt (a person's retry after a refusal) has its own transfer ids and refund key. */
  attempt: number;
  sellerId: string;
  chargeId?: string;
  currency: Currency;
  /** Escrow → the seller's wallet. */
  sellerAmountMinor: number;
  /** Escrow → provider clearing (the ledger's side of the refund). */
  buyerAmountMinor: number;
  /** Escrow → the platform's fee account (absent: no fee). */
  feeMinor?: number;
  /** What the provider must have refunded on this charge in all, once this settles. */
  providerRefundMinor: number;
  decidedBy: string;
}

export type SettleOutcome = { ok: true } | { ok: false; detail: string };

export type OtpCheck = { result: 'ok' | 'wrong' | 'expired' | 'exhausted'; attemptsLeft: number };

export type OrderActivities = ReturnType<typeof createOrderActivities>;

export function createOrderActivities(deps: OrderActivityDeps) {
  const { knex, ledger, chat, payments, settings } = deps;
  const hashSecret = settings.secrets.hashSecret;
  /** A name the seller can read: the one LINE shows (kept in users, else asked), never the platform id. */
  const nameOf = async (userId: string): Promise<string> => {
    const row = await knex('users').where({ user_id: userId }).first('display_name');
    return row?.display_name ?? (await chat.displayName(userId)) ?? maskIdentifier(userId);
  };

  return {
    /** S102, S401–S402, S501, S404 and claim 15 in one read: the workflow decides the branches. */
    async screenBuyer(input: ScreenBuyerInput): Promise<Screening> {
      const link = await knex('payment_links').where({ payment_code: input.paymentCode }).first();
      if (!link) throw ApplicationFailure.nonRetryable(`no payment link ${input.paymentCode}`, 'InvalidInput');
      const passwordOk = dynamicPasswordMatches(
        settings.secrets.linkSecret,
        {
          paymentCode: link.payment_code,
          productName: link.product_name,
          unitPriceMinor: Number(link.unit_price_minor),
          quantity: link.quantity,
          currency: link.currency,
        },
        input.dynamicPassword,
      );
      const base: Screening = {
        passwordOk,
        boundUser: false,
        addFriendUrl: settings.line.addFriendUrl,
        watchListed: false,
        walletState: 'inactive',
        phone: 'not_bound',
        paymentAccount: collectionAccountFor(input.paymentCode),
        buyerName: maskIdentifier(input.buyerId),
      };
      if (!passwordOk) return base;
      // The independent reads run side by side: this step is on the buyer's critical path.
      const [boundUser, phones, wallet] = await Promise.all([
        chat.isBoundUser(input.buyerId),
        knex('phone_bindings').where({ user_id: input.buyerId }).select('phone_hash', 'is_virtual', 'bound_at', 'cleared_at') as Promise<
          PhoneBindingRow[]
        >,
        input.checkWallet ? knex('wallets').where({ user_id: input.buyerId }).first() : Promise.resolve(undefined),
      ]);
      if (!boundUser) return { ...base, boundUser };
      const latestPhone = [...phones].sort((a, b) => b.bound_at.getTime() - a.bound_at.getTime())[0];
      const payment = limitEventFor(link, input.buyerId, latestPhone?.phone_hash ?? null);
      const [listedByIdentity, listedByPhone, limits] = await Promise.all([
        matchWatchlist(knex, hashSecret, { lineUserId: input.buyerId, orderNumber: input.paymentCode }),
        // Every phone the buyer ever bound, in one query: bindings keep the watch-list's keyed hash.
        matchWatchlistPhoneHashes(
          knex,
          phones.map((p) => p.phone_hash),
        ),
        checkLimits(knex, payment, settings.limits),
      ]);
      const listed = [...listedByIdentity, ...listedByPhone];
      const screening: Screening = {
        ...base,
        boundUser,
        watchListed: listed.length > 0,
        walletState: wallet?.state ?? 'inactive',
        phone: input.checkPhone ? phoneStatus(phones, new Date(), input.phoneBindingPeriodMs) : 'ok',
        limitRefusal: limits.ok ? undefined : { rule: limits.rule, detail: limits.detail },
      };
      const eligible = !screening.watchListed && !screening.limitRefusal && screening.walletState === 'active';
      if (input.attribute && eligible) {
        const claim = await claimAttribution(knex, settings, payment);
        screening.holder = claim.holder;
        if (!claim.limits.ok) screening.limitRefusal = { rule: claim.limits.rule, detail: claim.limits.detail };
      } else if (input.attribute) {
        screening.holder = (await knex('orders').where({ payment_code: input.paymentCode }).first('buyer_id'))?.buyer_id ?? undefined;
      }
      if (screening.holder !== undefined && screening.holder !== input.buyerId) screening.buyerName = await nameOf(input.buyerId);
      return screening;
    },

    async ensureWalletActivation(input: { userId: string }): Promise<void> {
      await startWalletActivation(deps, input.userId, 'buyer');
    },

    /**
     * S112: a code for this request (challengeKey = the update), sent through the platform; only
     * its keyed proof is kept. The code is derived from the challenge, so a re-run sends the same
     * code in the same message. At most `otpSendsPerBuyerHour` codes per buyer per hour, all orders.
     */
    async issueOtp(input: {
      paymentCode: string;
      buyerId: string;
      challengeKey: string;
      ttlMs: number;
      maxAttempts: number;
      transactionCode: string;
    }): Promise<{ ok: true; challengeId: string; expiresAtMs: number } | { ok: false; detail: string; retryAfterMs: number }> {
      const challengeId = `${input.paymentCode}:otp:${input.challengeKey}`;
      const code = challengeOtp(hashSecret, challengeId);
      const issued = await knex.transaction(async (trx) => {
        // One buyer's sends are counted under a lock, so concurrent resends cannot both pass the cap.
        await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`otp-sends:${input.buyerId}`]);
        const existing = await trx('otp_challenges').where({ challenge_id: challengeId }).first('expires_at');
        if (existing) return { ok: true as const, expiresAt: new Date(existing.expires_at) }; // a re-run: same code, same expiry
        const hourAgo = new Date(Date.now() - HOUR_MS);
        const recent = await trx('otp_challenges')
          .where({ user_id: input.buyerId })
          .andWhere('challenge_id', 'like', '%:otp:%')
          .andWhere('created_at', '>', hourAgo)
          .orderBy('created_at', 'asc')
          .select('created_at');
        if (recent.length >= settings.otpSendsPerBuyerHour) {
          const oldest = new Date(recent[0].created_at).getTime();
          return { ok: false as const, retryAfterMs: Math.max(1000, oldest + HOUR_MS - Date.now()) };
        }
        const expiresAt = new Date(Date.now() + input.ttlMs);
        await trx('otp_challenges').where({ subject: input.paymentCode }).whereNull('consumed_at').update({ consumed_at: trx.fn.now() });
        await trx('otp_challenges').insert({
          challenge_id: challengeId,
          subject: input.paymentCode,
          user_id: input.buyerId,
          code_hash: otpProof(hashSecret, input.paymentCode, input.buyerId, code),
          max_attempts: input.maxAttempts,
          expires_at: expiresAt,
        });
        return { ok: true as const, expiresAt };
      });
      if (!issued.ok) {
        return {
          ok: false,
          retryAfterMs: issued.retryAfterMs,
          detail: `at most ${settings.otpSendsPerBuyerHour} verification codes an hour; try again in ${Math.ceil(issued.retryAfterMs / 60_000)} min`,
        };
      }
      await sendAll(knex, chat, [
        {
          to: input.buyerId,
          retryKey: `${challengeId}:otp`,
          message: { kind: 'otp', otp: code, expiresInSeconds: Math.round(input.ttlMs / 1000), transactionCode: input.transactionCode },
        },
      ]);
      return { ok: true, challengeId, expiresAtMs: issued.expiresAt.getTime() };
    },

    /** S113–S115. One check per key: a re-run of the same check returns the first answer, never counts twice. */
    async verifyOtp(input: { challengeId: string; buyerId: string; otpProof: string; checkKey: string }): Promise<OtpCheck> {
      return knex.transaction(async (trx) => {
        const row = await trx('otp_challenges').where({ challenge_id: input.challengeId }).forUpdate().first();
        if (row && row.last_check_key === input.checkKey) return row.last_check_result as OtpCheck;
        const result = judgeOtp(row, input);
        if (row) {
          await trx('otp_challenges')
            .where({ challenge_id: input.challengeId })
            .update({
              attempts:
                result.result === 'wrong' || (result.result === 'exhausted' && row.attempts < row.max_attempts)
                  ? row.attempts + 1
                  : row.attempts,
              consumed_at: result.result === 'ok' ? trx.fn.now() : row.consumed_at,
              last_check_key: input.checkKey,
              last_check_result: JSON.stringify(result),
            });
        }
        return result;
      });
    },

    /** S114: the charge at the provider, keyed by order and attempt so a retry never charges twice. */
    async startCharge(input: {
      paymentCode: string;
      attempt: number;
      amountMinor: number;
      currency: Currency;
      paymentSource: PaymentSource;
    }) {
      try {
        const accepted = await payments.charge(
          {
            amountMinor: input.amountMinor,
            currency: input.currency,
            reference: input.paymentCode,
            paymentSource: input.paymentSource,
            callbackUrl: webhookUrl(settings.publicBaseUrl, 'payments'),
          },
          `${input.paymentCode}:charge:${input.attempt}`,
        );
        return { chargeId: accepted.id };
      } catch (err) {
        throw asApplicationFailure(err);
      }
    },

    /**
     * S108/S114: the order's hosted checkout at the provider (card page; for NT$ the ATM account it
     * issues). Keyed by order and attempt, so a re-run finds the same session.
     */
    async openCheckout(input: OrderCheckoutInput): Promise<OrderCheckout> {
      try {
        // The provider's page and our return page speak the buyer's language.
        const buyer = await knex('orders as o')
          .join('users as u', 'u.user_id', 'o.buyer_id')
          .where('o.payment_code', input.paymentCode)
          .first('u.language');
        const language = CHECKOUT_LANGUAGES.find((l) => l === buyer?.language);
        return await openJournaledCheckout(knex, payments, { ...input, ...(language ? { language } : {}) });
      } catch (err) {
        throw asApplicationFailure(err);
      }
    },

    /**
     * The order ended unpaid (cancelled, expired): its checkout is closed at the provider, so a late
     * card or ATM transfer cannot take money for an order that no longer takes it. A session the
     * provider already completed is left as it is (answered 'decided').
     */
    async closeCheckout(input: { sessionId: string }): Promise<'closed' | 'decided'> {
      try {
        await payments.expireCheckoutSession(input.sessionId);
        return 'closed';
      } catch (err) {
        if (!(err instanceof PaymentRefused)) throw err;
        // Decided already: only a completed session took money (a declined card took none).
        return (await payments.getCheckoutSession(input.sessionId)).status === 'complete' ? 'decided' : 'closed';
      }
    },

    /** What the provider says of a checkout session whose webhook did not come: its decided charge, or null while none. */
    async checkoutStatus(input: { sessionId: string }) {
      const session = await payments.getCheckoutSession(input.sessionId);
      if (session.chargeId === undefined) return null;
      const charge = await payments.getCharge(session.chargeId);
      return { chargeId: charge.id, ...chargeStatusOf(charge) };
    },

    /** S118: the simple variant's payer is fixed when they start paying, with their limits reserved (both or neither). */
    async reservePayer(input: {
      paymentCode: string;
      buyerId: string;
    }): Promise<{ ok: true } | { ok: false; holder?: string; rule: string; detail: string }> {
      const link = await knex('payment_links').where({ payment_code: input.paymentCode }).first();
      if (!link) throw ApplicationFailure.nonRetryable(`no payment link ${input.paymentCode}`, 'InvalidInput');
      const phone = await knex('phone_bindings').where({ user_id: input.buyerId }).orderBy('bound_at', 'desc').first('phone_hash');
      const claim = await claimAttribution(knex, settings, limitEventFor(link, input.buyerId, phone?.phone_hash ?? null));
      if (claim.holder !== undefined && claim.holder !== input.buyerId)
        return { ok: false, holder: claim.holder, rule: 'attributed', detail: 'someone else is paying for this link' };
      if (!claim.limits.ok) return { ok: false, rule: claim.limits.rule, detail: claim.limits.detail };
      return { ok: true };
    },

    /** What the provider says of a charge whose webhook did not come. */
    async chargeStatus(input: { chargeId: string }) {
      return chargeStatusOf(await payments.getCharge(input.chargeId));
    },

    /**
     * S206/S207 and the dispute outcomes, all or nothing: hold escrow → seller wallet and escrow →
     * provider clearing as pending transfers, have the provider refund what is due, then post both.
     * A refusal (ledger or provider) voids the holds and answers { ok: false }: money untouched.
     */
    async settle(input: SettleInput): Promise<SettleOutcome> {
      const escrow = escrowAccountId(input.paymentCode);
      const clearing = providerClearingAccountId(input.currency);
      const wallet = walletAccountId(input.sellerId, input.currency);
      const holds: TransferInput[] = [];
      if (input.sellerAmountMinor > 0) {
        holds.push({
          id: releaseTransferId(input.paymentCode, input.attempt),
          debitAccountId: escrow,
          creditAccountId: wallet,
          amountMinor: input.sellerAmountMinor,
          currency: input.currency,
          kind: 'pending',
          metadata: { decidedBy: input.decidedBy },
        });
      }
      const fees = feeAccountId(input.currency);
      if ((input.feeMinor ?? 0) > 0) {
        holds.push({
          id: feeTransferId(input.paymentCode, input.attempt),
          debitAccountId: escrow,
          creditAccountId: fees,
          amountMinor: input.feeMinor ?? 0,
          currency: input.currency,
          kind: 'pending',
          metadata: { decidedBy: input.decidedBy },
        });
      }
      if (input.buyerAmountMinor > 0) {
        holds.push({
          id: refundTransferId(input.paymentCode, input.attempt),
          debitAccountId: escrow,
          creditAccountId: clearing,
          amountMinor: input.buyerAmountMinor,
          currency: input.currency,
          kind: 'pending',
          metadata: { decidedBy: input.decidedBy },
        });
      }
      const voidHolds = async (why: string): Promise<SettleOutcome> => {
        for (const hold of holds) {
          const existing = await ledger.lookupTransfer(hold.id);
          if (existing?.state === 'pending') await ledger.createTransfer({ id: voidTransferId(hold.id), pendingId: hold.id, kind: 'void' });
        }
        return { ok: false, detail: why };
      };
      try {
        await ledger
          .createAccounts([
            { id: clearing, currency: input.currency, kind: 'provider_clearing', shardCount: 32 },
            { id: wallet, currency: input.currency, kind: 'user_wallet', debitsMustNotExceedCredits: true },
            ...((input.feeMinor ?? 0) > 0 ? [{ id: fees, currency: input.currency, kind: 'fees' as const, shardCount: 32 }] : []),
          ])
          .then(refusedAccount);
        for (const hold of holds) await ledger.createTransfer(hold);
      } catch (err) {
        if (err instanceof LedgerError && !err.retryable) return voidHolds(`the ledger refused: ${err.message}`);
        throw err;
      }
      if (input.providerRefundMinor > 0) {
        if (input.chargeId === undefined) return voidHolds('there is no charge to refund');
        try {
          // A refund is made once however often this runs: what the provider already refunded counts.
          const charge = await payments.getCharge(input.chargeId);
          const due = input.providerRefundMinor - charge.refundedMinor;
          if (due > 0)
            await payments.refund({ chargeId: input.chargeId, amountMinor: due }, refundIdempotencyKey(input.paymentCode, input.attempt));
        } catch (err) {
          if (err instanceof PaymentRefused) return voidHolds(`the payment provider refused the refund: ${err.message}`);
          throw err;
        }
      }
      for (const hold of holds) await ledger.createTransfer({ id: postTransferId(hold.id), pendingId: hold.id, kind: 'post' });
      return { ok: true };
    },

    /** One step's effects, in an order that is safe to repeat: money, then the read model and audit, then words. */
    async commitStep(step: StepCommit): Promise<void> {
      try {
        if (step.money) await bookStageOne(ledger, step.paymentCode, step.money);
      } catch (err) {
        throw asApplicationFailure(err);
      }
      await knex.transaction(async (trx) => {
        const changed = await trx('orders')
          .where({ payment_code: step.paymentCode })
          // A re-run of a discarded workflow task reuses its version: the later run wins at equal versions.
          .andWhere((q) =>
            q
              .where('state_version', '<', step.stateVersion)
              .orWhere((e) => e.where('state_version', step.stateVersion).whereNot('state', step.state)),
          )
          .update({
            state: step.state,
            state_version: step.stateVersion,
            park_reason: step.parkReason ?? null,
            park_detail: step.parkDetail ?? null,
            ...(step.chargeId !== undefined ? { charge_id: step.chargeId } : {}),
            ...(step.disputeReason !== undefined ? { dispute_reason: step.disputeReason } : {}),
            ...(step.settled !== undefined
              ? {
                  seller_paid_minor: step.settled.sellerAmountMinor,
                  buyer_refunded_minor: step.settled.buyerAmountMinor,
                  fee_minor: step.settled.feeMinor ?? 0,
                }
              : {}),
            updated_at: trx.fn.now(),
          });
        if (changed === 0) return; // a retry of a step already applied: audit once
        if (step.releaseLimits) await releaseLimitEvent(trx, step.paymentCode);
        await appendAudit(trx, {
          actor: step.actor ?? (step.settled ? step.settled.decidedBy : `workflow:${step.paymentCode}`),
          action: `order.${step.state}`,
          subject: step.paymentCode,
          details: {
            stateVersion: step.stateVersion,
            money: step.money ?? step.settled ?? null,
            ...(step.parkReason ? { parkReason: step.parkReason, parkDetail: step.parkDetail } : {}),
            ...(step.note ? { note: step.note } : {}),
            messages: step.messages.map((m) => m.message.kind),
          },
        });
      });
      await sendAll(knex, chat, step.messages);
    },

    /** S206: the window closed in silence, as far as the workflow heard; a decision that reached us in time still counts. */
    async decisionTakenInTime(input: { paymentCode: string; buyerId: string; deadlineMs: number }) {
      const found = await decisionTakenInTime(knex, input.paymentCode, input.buyerId, new Date(input.deadlineMs));
      return found ? { decision: found.decision, reason: found.reason, decidedAtMs: found.decidedAt.getTime() } : null;
    },

    async sendMessages(input: { messages: Outgoing[] }): Promise<void> {
      await sendAll(knex, chat, input.messages);
    },
  };
}

const HOUR_MS = 60 * 60 * 1000;

/** A payment of this link by this buyer, as the limits count it (its id is the payment code: recorded once). */
function limitEventFor(link: PaymentLinkRow, buyerId: string, phoneHash: string | null): LimitEvent {
  return {
    eventId: link.payment_code,
    buyerId,
    sellerId: link.seller_id,
    phoneHash,
    amountMinor: Number(link.total_minor),
    currency: link.currency,
    at: new Date(),
  };
}

/** S202: provider clearing → this order's escrow, the transfer id being its idempotency key. */
async function bookStageOne(ledger: Ledger, paymentCode: string, move: MoneyMove): Promise<void> {
  const escrow = escrowAccountId(paymentCode);
  const clearing = providerClearingAccountId(move.currency);
  await ledger
    .createAccounts([
      { id: clearing, currency: move.currency, kind: 'provider_clearing', shardCount: 32 },
      { id: escrow, currency: move.currency, kind: 'escrow', debitsMustNotExceedCredits: true, shardCount: 1 },
    ])
    .then(refusedAccount);
  await ledger.createTransfer({
    id: stageOneTransferId(paymentCode),
    debitAccountId: clearing,
    creditAccountId: escrow,
    amountMinor: move.amountMinor,
    currency: move.currency,
  });
}

/** createAccounts answers per item; an account that exists with other terms is a refusal like any other. */
function refusedAccount(results: Awaited<ReturnType<Ledger['createAccounts']>>): void {
  for (const result of results) if ('error' in result && result.error) throw result.error;
}

/** What a typed code means for a challenge row as it stands. */
function judgeOtp(
  row:
    { user_id: string; consumed_at: Date | null; expires_at: Date; attempts: number; max_attempts: number; code_hash: string } | undefined,
  input: { buyerId: string; otpProof: string },
): OtpCheck {
  if (!row || row.user_id !== input.buyerId || row.consumed_at !== null) return { result: 'expired', attemptsLeft: 0 };
  if (new Date(row.expires_at).getTime() < Date.now()) return { result: 'expired', attemptsLeft: 0 };
  if (row.attempts >= row.max_attempts) return { result: 'exhausted', attemptsLeft: 0 };
  if (proofsMatch(row.code_hash, input.otpProof)) return { result: 'ok', attemptsLeft: row.max_attempts - row.attempts };
  const attemptsLeft = row.max_attempts - row.attempts - 1;
  return { result: attemptsLeft > 0 ? 'wrong' : 'exhausted', attemptsLeft };
}

/**
 * S104–S107: exactly one buyer ever holds a payment code, and holding it reserves their limits
 * (finding: checked now, recorded later let N concurrent orders all pass). The database row is
 * the arbiter, so a workflow task that ran and was then discarded cannot leave two buyers
 * believing they won. Racers who find the code taken never touch the limits.
 */
async function claimAttribution(knex: Knex, settings: Settings, event: LimitEvent): Promise<{ holder?: string; limits: LimitDecision }> {
  const current = await knex('orders').where({ payment_code: event.eventId }).first('buyer_id');
  if (current?.buyer_id) return { holder: current.buyer_id, limits: { ok: true } };
  return knex.transaction(async (trx) => {
    // The order row first, then the limits' locks: racers queue on the row and see the winner.
    const row = await trx('orders').where({ payment_code: event.eventId }).forUpdate().first('buyer_id');
    if (row?.buyer_id) return { holder: row.buyer_id as string, limits: { ok: true } as LimitDecision };
    const limits = await reserveLimits(trx, event, settings.limits);
    if (!limits.ok) return { holder: undefined, limits };
    await trx('orders').where({ payment_code: event.eventId }).update({ buyer_id: event.buyerId, updated_at: trx.fn.now() });
    return { holder: event.buyerId, limits };
  });
}

/** Refusals (money rules, provider 4xx) must not be retried; everything else may be. */
function asApplicationFailure(err: unknown): unknown {
  if (err instanceof LedgerError && !err.retryable) {
    return ApplicationFailure.nonRetryable(err.message, 'LedgerRefusal', { code: err.code });
  }
  if (err instanceof PaymentRefused) {
    return ApplicationFailure.nonRetryable(err.message, 'PaymentRefused', { code: err.code });
  }
  return err;
}

/** A charge as the provider reports it, in the workflow's units (milliseconds). */
function chargeStatusOf(charge: Charge) {
  return {
    status: charge.status,
    amountMinor: charge.amountMinor,
    currency: charge.currency,
    createdMs: charge.created * 1000,
    failureCode: charge.failureCode,
    failureMessage: charge.failureMessage,
  };
}
