import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ChatPort } from '../src/chat/port';
import type { Outgoing } from '../src/chat/messages';
import type { Settings } from '../src/config/settings';
import { escrowAccountId, providerClearingAccountId, refundTransferId, releaseTransferId, stageOneTransferId, walletAccountId } from '../src/domain/ids';
import type { Currency } from '../src/domain/money';
import { LedgerError, type Ledger, type TransferInput } from '../src/ledger';
import { dynamicPasswordMatches } from '../src/links/dynamic-password';
import { generateOtp, otpProof, proofsMatch } from '../src/otp/otp';
import { PaymentRefused, type PaymentProvider } from '../src/payment';
import { phoneStatus, type PhoneBindingRow, type PhoneStatus } from '../src/phone/intelligence';
import { appendAudit } from '../src/audit';
import { decryptField } from '../src/crypto';
import { checkLimits, recordLimitEvent } from '../src/limits';
import { matchWatchlist } from '../src/watchlist';
import { startWalletActivation } from '../src/wallet/activation';
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
  orderId: string;
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
}

export type MoneyMove =
  | { kind: 'stage_one'; amountMinor: number; currency: Currency }
  | { kind: 'settle'; sellerId: string; sellerAmountMinor: number; buyerAmountMinor: number; currency: Currency; decidedBy: string };

export interface StepCommit {
  orderId: string;
  sellerId: string;
  state: string;
  stateVersion: number;
  /** The attributed buyer (recorded by the attribution claim; here for the audit and the limits). */
  buyerId?: string;
  chargeId?: string;
  disputeReason?: string;
  money?: MoneyMove;
  sellerPaidMinor?: number;
  buyerRefundedMinor?: number;
  messages: Outgoing[];
}

export type OtpCheck = { result: 'ok' | 'wrong' | 'expired' | 'exhausted'; attemptsLeft: number };

export type OrderActivities = ReturnType<typeof createOrderActivities>;

export function createOrderActivities(deps: OrderActivityDeps) {
  const { knex, ledger, chat, payments, settings } = deps;
  const hashSecret = settings.secrets.hashSecret;
  const fieldKeys = settings.keys.field;

  return {
    /** S102, S401–S402, S501, S404 and claim 15 in one read: the workflow decides the branches. */
    async screenBuyer(input: ScreenBuyerInput): Promise<Screening> {
      const link = await knex('payment_links').where({ payment_code: input.orderId }).first();
      if (!link) throw ApplicationFailure.nonRetryable(`no payment link ${input.orderId}`, 'InvalidInput');
      const passwordOk = dynamicPasswordMatches(settings.secrets.linkSecret, {
        paymentCode: link.payment_code,
        productName: link.product_name,
        unitPriceMinor: Number(link.unit_price_minor),
        quantity: link.quantity,
        currency: link.currency,
      }, input.dynamicPassword);
      const base: Screening = {
        passwordOk,
        boundUser: false,
        addFriendUrl: settings.line.addFriendUrl,
        watchListed: false,
        walletState: 'inactive',
        phone: 'not_bound',
        paymentAccount: collectionAccountFor(input.orderId),
      };
      if (!passwordOk) return base;
      // The independent reads run side by side: this step is on the buyer's critical path.
      const [boundUser, phones, wallet] = await Promise.all([
        chat.isBoundUser(input.buyerId),
        knex('phone_bindings').where({ user_id: input.buyerId })
          .select('phone_hash', 'phone_ciphertext', 'is_virtual', 'bound_at', 'cleared_at') as Promise<Array<PhoneBindingRow & { phone_ciphertext: string }>>,
        input.checkWallet ? knex('wallets').where({ user_id: input.buyerId }).first() : Promise.resolve(undefined),
      ]);
      if (!boundUser) return { ...base, boundUser };
      const latestPhone = [...phones].sort((a, b) => b.bound_at.getTime() - a.bound_at.getTime())[0];
      const [listedByIdentity, listedByPhone, limits] = await Promise.all([
        matchWatchlist(knex, hashSecret, { lineUserId: input.buyerId, orderNumber: input.orderId }),
        Promise.all(phones.map((p) => matchWatchlist(knex, hashSecret, { phone: decryptField(fieldKeys, p.phone_ciphertext) }))),
        checkLimits(knex, {
          buyerId: input.buyerId,
          sellerId: link.seller_id,
          phoneHash: latestPhone?.phone_hash ?? null,
          amountMinor: Number(link.total_minor),
          currency: link.currency,
          at: new Date(),
          eventId: input.orderId,
        }, settings.limits),
      ]);
      const listed = [...listedByIdentity, ...listedByPhone.flat()];
      const screening: Screening = {
        ...base,
        boundUser,
        watchListed: listed.length > 0,
        walletState: wallet?.state ?? 'inactive',
        phone: input.checkPhone ? phoneStatus(phones, new Date(), input.phoneBindingPeriodMs) : 'ok',
        limitRefusal: limits.ok ? undefined : { rule: limits.rule, detail: limits.detail },
      };
      const eligible = !screening.watchListed && !screening.limitRefusal && screening.walletState === 'active';
      if (input.attribute && eligible) screening.holder = await claimAttribution(knex, input.orderId, input.buyerId);
      else if (input.attribute) screening.holder = (await knex('orders').where({ order_id: input.orderId }).first('buyer_id'))?.buyer_id ?? undefined;
      return screening;
    },

    async ensureWalletActivation(input: { userId: string }): Promise<void> {
      await startWalletActivation(deps, input.userId, 'buyer');
    },

    /** S112: a fresh code to the buyer through the platform; only its keyed proof is kept. */
    async issueOtp(input: { orderId: string; buyerId: string; step: string; ttlMs: number; maxAttempts: number; transactionCode: string }) {
      const challengeId = `${input.orderId}:${input.step}`;
      const code = generateOtp();
      const expiresAt = new Date(Date.now() + input.ttlMs);
      await knex.transaction(async (trx) => {
        await trx('otp_challenges').where({ order_id: input.orderId }).whereNull('consumed_at').whereNot({ challenge_id: challengeId })
          .update({ consumed_at: trx.fn.now() });
        // A retried attempt replaces the code: the one that reaches the buyer is the one we check.
        await trx('otp_challenges')
          .insert({
            challenge_id: challengeId,
            order_id: input.orderId,
            user_id: input.buyerId,
            code_hash: otpProof(hashSecret, input.orderId, input.buyerId, code),
            max_attempts: input.maxAttempts,
            expires_at: expiresAt,
          })
          .onConflict('challenge_id')
          .merge(['code_hash', 'expires_at']);
      });
      await sendAll(knex, chat, [{
        to: input.buyerId,
        // Each generated code is its own message: a re-run that replaced the code must deliver the new one.
        retryKey: `${challengeId}:${otpProof(hashSecret, challengeId, 'delivery', code).slice(0, 16)}`,
        message: { kind: 'otp', otp: code, expiresInSeconds: Math.round(input.ttlMs / 1000), transactionCode: input.transactionCode },
      }]);
      return { challengeId, expiresAtMs: expiresAt.getTime() };
    },

    /** S113–S115. One check per key: a re-run of the same check returns the first answer, never counts twice. */
    async verifyOtp(input: { challengeId: string; buyerId: string; otpProof: string; checkKey: string }): Promise<OtpCheck> {
      return knex.transaction(async (trx) => {
        const row = await trx('otp_challenges').where({ challenge_id: input.challengeId }).forUpdate().first();
        if (row && row.last_check_key === input.checkKey) return row.last_check_result as OtpCheck;
        const result = judgeOtp(row, input);
        if (row) {
          await trx('otp_challenges').where({ challenge_id: input.challengeId }).update({
            attempts: result.result === 'wrong' || (result.result === 'exhausted' && row.attempts < row.max_attempts) ? row.attempts + 1 : row.attempts,
            consumed_at: result.result === 'ok' ? trx.fn.now() : row.consumed_at,
            last_check_key: input.checkKey,
            last_check_result: JSON.stringify(result),
          });
        }
        return result;
      });
    },

    /** S114: the charge at the provider, keyed by order and attempt so a retry never charges twice. */
    async startCharge(input: { orderId: string; attempt: number; amountMinor: number; currency: Currency; paymentSource: { type: 'card' | 'bank_transfer' | 'line_pay_wallet'; token: string } }) {
      try {
        const accepted = await payments.charge({
          amountMinor: input.amountMinor,
          currency: input.currency,
          reference: input.orderId,
          paymentSource: input.paymentSource,
          callbackUrl: `${settings.publicBaseUrl}/webhooks/payments`,
        }, `${input.orderId}:charge:${input.attempt}`);
        return { chargeId: accepted.id };
      } catch (err) {
        throw asApplicationFailure(err);
      }
    },

    async refundCharge(input: { orderId: string; chargeId: string; amountMinor: number; currency: Currency }) {
      try {
        const refund = await payments.refund({ chargeId: input.chargeId, amountMinor: input.amountMinor }, `${input.orderId}:refund`);
        return { refundId: refund.id };
      } catch (err) {
        throw asApplicationFailure(err);
      }
    },

    /** One step's effects, in an order that is safe to repeat: money, then the read model, then words. */
    async commitStep(step: StepCommit): Promise<void> {
      try {
        if (step.money) await moveMoney(ledger, step.orderId, step.money);
      } catch (err) {
        throw asApplicationFailure(err);
      }
      await knex.transaction(async (trx) => {
        const changed = await trx('orders')
          .where({ order_id: step.orderId })
          // A re-run of a discarded workflow task reuses its version: the later run wins at equal versions.
          .andWhere((q) => q.where('state_version', '<', step.stateVersion).orWhere((e) => e.where('state_version', step.stateVersion).whereNot('state', step.state)))
          .update({
            state: step.state,
            state_version: step.stateVersion,
            ...(step.chargeId !== undefined ? { charge_id: step.chargeId } : {}),
            ...(step.disputeReason !== undefined ? { dispute_reason: step.disputeReason } : {}),
            ...(step.sellerPaidMinor !== undefined ? { seller_paid_minor: step.sellerPaidMinor } : {}),
            ...(step.buyerRefundedMinor !== undefined ? { buyer_refunded_minor: step.buyerRefundedMinor } : {}),
            updated_at: trx.fn.now(),
          });
        if (changed === 0) return; // a retry of a step already applied: audit once
        if (step.money?.kind === 'stage_one' && step.buyerId) {
          await recordLimitEvent(trx, {
            eventId: step.orderId, buyerId: step.buyerId, sellerId: step.sellerId,
            amountMinor: step.money.amountMinor, currency: step.money.currency, at: new Date(),
          });
        }
        await appendAudit(trx, {
          actor: step.money?.kind === 'settle' ? step.money.decidedBy : `workflow:${step.orderId}`,
          action: `order.${step.state}`,
          subject: step.orderId,
          details: { stateVersion: step.stateVersion, money: step.money ?? null, messages: step.messages.map((m) => m.message.kind) },
        });
      });
      await sendAll(knex, chat, step.messages);
    },

    async sendMessages(input: { messages: Outgoing[] }): Promise<void> {
      await sendAll(knex, chat, input.messages);
    },
  };
}

/** S202 and S206 (and the dispute outcomes) as ledger transfers whose ids are their idempotency keys. */
async function moveMoney(ledger: Ledger, orderId: string, move: MoneyMove): Promise<void> {
  const escrow = escrowAccountId(orderId);
  const clearing = providerClearingAccountId(move.currency);
  await ledger.createAccounts([
    { id: clearing, currency: move.currency, kind: 'provider_clearing', shardCount: 32 },
    { id: escrow, currency: move.currency, kind: 'escrow', debitsMustNotExceedCredits: true, shardCount: 1 },
  ]);
  const transfers: TransferInput[] = [];
  if (move.kind === 'stage_one') {
    transfers.push({ id: stageOneTransferId(orderId), debitAccountId: clearing, creditAccountId: escrow, amountMinor: move.amountMinor, currency: move.currency });
  } else {
    if (move.sellerAmountMinor > 0) {
      const wallet = walletAccountId(move.sellerId);
      await ledger.createAccount({ id: wallet, currency: move.currency, kind: 'user_wallet', debitsMustNotExceedCredits: true });
      transfers.push({
        id: releaseTransferId(orderId), debitAccountId: escrow, creditAccountId: wallet, amountMinor: move.sellerAmountMinor,
        currency: move.currency, metadata: { decidedBy: move.decidedBy },
      });
    }
    if (move.buyerAmountMinor > 0) {
      transfers.push({
        id: refundTransferId(orderId), debitAccountId: escrow, creditAccountId: clearing, amountMinor: move.buyerAmountMinor,
        currency: move.currency, metadata: { decidedBy: move.decidedBy },
      });
    }
  }
  for (const transfer of transfers) await ledger.createTransfer(transfer);
}

/** What a typed code means for a challenge row as it stands. */
function judgeOtp(row: { user_id: string; consumed_at: Date | null; expires_at: Date; attempts: number; max_attempts: number; code_hash: string } | undefined, input: { buyerId: string; otpProof: string }): OtpCheck {
  if (!row || row.user_id !== input.buyerId || row.consumed_at !== null) return { result: 'expired', attemptsLeft: 0 };
  if (new Date(row.expires_at).getTime() < Date.now()) return { result: 'expired', attemptsLeft: 0 };
  if (row.attempts >= row.max_attempts) return { result: 'exhausted', attemptsLeft: 0 };
  if (proofsMatch(row.code_hash, input.otpProof)) return { result: 'ok', attemptsLeft: row.max_attempts - row.attempts };
  const attemptsLeft = row.max_attempts - row.attempts - 1;
  return { result: attemptsLeft > 0 ? 'wrong' : 'exhausted', attemptsLeft };
}

/**
 * S104–S107: exactly one buyer ever holds a payment code. The database row is the arbiter, so a
 * workflow task that ran and was then discarded cannot leave two buyers believing they won.
 */
async function claimAttribution(knex: Knex, orderId: string, buyerId: string): Promise<string | undefined> {
  await knex('orders').where({ order_id: orderId }).whereNull('buyer_id').update({ buyer_id: buyerId, updated_at: knex.fn.now() });
  return (await knex('orders').where({ order_id: orderId }).first('buyer_id'))?.buyer_id ?? undefined;
}

/** A stable, order-specific collection account number to show in the payment info (S108). */
export function collectionAccountFor(orderId: string): string {
  let digits = '';
  for (const ch of orderId) digits += (ch.charCodeAt(0) % 10).toString();
  return `822-${digits.slice(0, 14).padEnd(14, '0')}`;
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
