import { activityInfo, ApplicationFailure } from '@temporalio/activity';
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
import { isWatchListed } from './watchlist-check';
import { startWalletActivation } from './wallet-activities';
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
}

export type MoneyMove =
  | { kind: 'stage_one'; amountMinor: number; currency: Currency }
  | { kind: 'settle'; sellerId: string; sellerAmountMinor: number; buyerAmountMinor: number; currency: Currency; decidedBy: string };

export interface StepCommit {
  orderId: string;
  sellerId: string;
  state: string;
  stateVersion: number;
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
      const boundUser = await chat.isBoundUser(input.buyerId);
      if (!boundUser) return { ...base, boundUser };
      const phones: PhoneBindingRow[] = input.checkPhone
        ? await knex('phone_bindings').where({ user_id: input.buyerId }).select('phone_hash', 'is_virtual', 'bound_at', 'cleared_at')
        : [];
      const watchListed = await isWatchListed(knex, hashSecret, {
        lineUserId: input.buyerId,
        orderNumber: input.orderId,
        phoneHashes: phones.map((p) => p.phone_hash),
      });
      const wallet = input.checkWallet ? await knex('wallets').where({ user_id: input.buyerId }).first() : undefined;
      return {
        ...base,
        boundUser,
        watchListed,
        walletState: wallet?.state ?? 'inactive',
        phone: input.checkPhone ? phoneStatus(phones, new Date(), input.phoneBindingPeriodMs) : 'ok',
      };
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
        retryKey: `${challengeId}:attempt-${activityInfo().attempt}`,
        message: { kind: 'otp', otp: code, expiresInSeconds: Math.round(input.ttlMs / 1000), transactionCode: input.transactionCode },
      }]);
      return { challengeId, expiresAtMs: expiresAt.getTime() };
    },

    /** S113–S115. One check per key: a retried activity returns the first answer, never counts twice. */
    async verifyOtp(input: { challengeId: string; buyerId: string; otpProof: string }): Promise<OtpCheck> {
      return knex.transaction(async (trx) => {
        const row = await trx('otp_challenges').where({ challenge_id: input.challengeId }).forUpdate().first();
        if (!row || row.user_id !== input.buyerId || row.consumed_at !== null) return { result: 'expired', attemptsLeft: 0 };
        if (new Date(row.expires_at).getTime() < Date.now()) return { result: 'expired', attemptsLeft: 0 };
        if (row.attempts >= row.max_attempts) return { result: 'exhausted', attemptsLeft: 0 };
        if (proofsMatch(row.code_hash, input.otpProof)) {
          await trx('otp_challenges').where({ challenge_id: input.challengeId }).update({ consumed_at: trx.fn.now() });
          return { result: 'ok', attemptsLeft: row.max_attempts - row.attempts };
        }
        const attempts = row.attempts + 1;
        await trx('otp_challenges').where({ challenge_id: input.challengeId }).update({ attempts });
        const attemptsLeft = row.max_attempts - attempts;
        return { result: attemptsLeft > 0 ? 'wrong' : 'exhausted', attemptsLeft };
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
      await knex('orders')
        .where({ order_id: step.orderId })
        .andWhere('state_version', '<', step.stateVersion)
        .update({
          state: step.state,
          state_version: step.stateVersion,
          ...(step.buyerId !== undefined ? { buyer_id: step.buyerId } : {}),
          ...(step.chargeId !== undefined ? { charge_id: step.chargeId } : {}),
          ...(step.disputeReason !== undefined ? { dispute_reason: step.disputeReason } : {}),
          ...(step.sellerPaidMinor !== undefined ? { seller_paid_minor: step.sellerPaidMinor } : {}),
          ...(step.buyerRefundedMinor !== undefined ? { buyer_refunded_minor: step.buyerRefundedMinor } : {}),
          updated_at: knex.fn.now(),
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
