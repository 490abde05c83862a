import type { Knex } from 'knex';
import { appendAudit } from '../src/audit';
import type { Outgoing } from '../src/chat/messages';
import type { ChatPort } from '../src/chat/port';
import type { Settings } from '../src/config/settings';
import { decryptField } from '../src/crypto';
import {
  payoutClearingAccountId,
  payoutHoldTransferId,
  payoutPostTransferId,
  payoutVoidTransferId,
  payoutWorkflowId,
  walletAccountId,
} from '../src/domain/ids';
import { LedgerError, type Ledger } from '../src/ledger';
import { PayoutRefused, type PayoutProvider } from '../src/payout';
import { matchWatchlist } from '../src/watchlist';
import { activeReceivingAccount } from '../src/bank-accounts';
import { sendAll } from './messaging';

/**
 * What the payout workflow (wallet → verified bank account) does to the world. One payout id
 * is the idempotency key everywhere: the ledger transfer ids, the provider's Idempotency-Key
 * and reference (the workflow id), and the read-model row, so any step may run twice.
 */
export interface PayoutActivityDeps {
  knex: Knex;
  ledger: Ledger;
  chat: ChatPort;
  payouts: PayoutProvider;
  settings: Settings;
}

import type { HoldReason, PayoutRequest, PayoutState } from '../workflows/payout-messages';
export type { HoldReason, PayoutRequest, PayoutState };

/** Risk rules that send a payout to support before any money leaves. */
export interface PayoutRiskPolicy {
  /** A single payout above this waits for a person. */
  reviewThresholdMinor: number;
  /** A party's payouts within `dailyWindowMs`, this one included, above this wait for a person. */
  dailyReviewTotalMinor: number;
  dailyWindowMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The risk rules from the settings (PAYOUT_REVIEW_THRESHOLD_MINOR, PAYOUT_DAILY_REVIEW_TOTAL_MINOR); the window is a day. */
export function payoutRiskPolicy(settings: Settings): PayoutRiskPolicy {
  return {
    reviewThresholdMinor: settings.moneyOut.payoutReviewThresholdMinor,
    dailyReviewTotalMinor: settings.moneyOut.payoutDailyReviewTotalMinor,
    dailyWindowMs: DAY_MS,
  };
}

/** States whose amount counts towards the daily total (money left or may still leave). */
const LIVE_OR_PAID: PayoutState[] = ['requested', 'held', 'sending', 'paid'];

export interface PayoutCommit {
  payoutId: string;
  stateVersion: number;
  state: PayoutState;
  holdReasons?: HoldReason[];
  providerPayoutId?: string;
  failureReason?: string;
  decidedBy?: string;
  /** Agents who approved the release so far (four eyes). */
  releaseApprovals?: string[];
  bankAccountId?: number;
  accountMasked?: string;
  /** Written with the row change, once: a retried commit whose version already landed writes nothing. */
  audit?: { actor: string; action: string; details: Record<string, unknown> };
  messages: Outgoing[];
}

export type PayoutActivities = ReturnType<typeof createPayoutActivities>;

export function createPayoutActivities(deps: PayoutActivityDeps) {
  const { knex, ledger, chat, payouts, settings } = deps;
  const ring = settings.keys.field;
  const policy = payoutRiskPolicy(settings);

  const destination = async (bankAccountId: number) => {
    const row = await knex('bank_accounts').where({ id: bankAccountId }).first('bank_code', 'account_ciphertext', 'holder_name_ciphertext');
    if (!row) throw new Error(`bank account ${bankAccountId} vanished`);
    return {
      bankCode: row.bank_code as string,
      accountNumber: decryptField(ring, row.account_ciphertext),
      holderName: decryptField(ring, row.holder_name_ciphertext),
    };
  };

  return {
    /**
     * Picks the destination (the account behind the party's live receiving code, fixed from now
     * on) and reserves the money: a pending transfer wallet → payout clearing, refused when the
     * wallet is short.
     */
    async reservePayout(
      req: PayoutRequest,
    ): Promise<
      { ok: true; bankAccountId: number; accountMasked: string } | { ok: false; reason: 'insufficient_funds' | 'no_bank_account' }
    > {
      const chosen = await knex('payouts').where({ payout_id: req.payoutId }).first('bank_account_id', 'account_masked');
      const account = chosen?.bank_account_id
        ? { bankAccountId: Number(chosen.bank_account_id), accountMasked: chosen.account_masked as string }
        : await activeReceivingAccount(knex, req.userId);
      if (!account) return { ok: false, reason: 'no_bank_account' };
      await ledger.createAccount({
        id: payoutClearingAccountId(req.currency),
        currency: req.currency,
        kind: 'payout_clearing',
        shardCount: 32,
      });
      try {
        await ledger.createTransfer({
          id: payoutHoldTransferId(req.payoutId),
          debitAccountId: walletAccountId(req.userId, req.currency),
          creditAccountId: payoutClearingAccountId(req.currency),
          amountMinor: req.amountMinor,
          currency: req.currency,
          kind: 'pending',
          metadata: { payoutId: req.payoutId },
        });
      } catch (err) {
        if (err instanceof LedgerError && (err.code === 'insufficient_funds' || err.code === 'account_not_found')) {
          return { ok: false, reason: 'insufficient_funds' };
        }
        throw err;
      }
      return { ok: true, ...account };
    },

    /** The risk rules: any reason holds the payout for support. */
    async assessPayout(input: { req: PayoutRequest; bankAccountId: number }): Promise<HoldReason[]> {
      const { req } = input;
      const reasons: HoldReason[] = [];
      const account = await destination(input.bankAccountId);
      const listed = await matchWatchlist(knex, settings.secrets.hashSecret, {
        lineUserId: req.userId,
        bankAccount: `${account.bankCode}${account.accountNumber}`,
      });
      if (listed.length > 0) reasons.push('watch_list');
      if (req.amountMinor > policy.reviewThresholdMinor) reasons.push('amount_above_threshold');
      const since = new Date(Date.now() - policy.dailyWindowMs);
      const [{ total }] = await knex('payouts')
        .where({ user_id: req.userId, currency: req.currency })
        .whereIn('state', LIVE_OR_PAID)
        .andWhere('created_at', '>', since)
        .whereNot({ payout_id: req.payoutId })
        .select(knex.raw('coalesce(sum(amount_minor), 0)::text as total'));
      if (Number(total) + req.amountMinor > policy.dailyReviewTotalMinor) reasons.push('daily_total_above_threshold');
      return reasons;
    },

    /** To the provider, keyed by the payout: a retry after a crash is the same payout, never a second one. */
    async sendPayout(input: {
      req: PayoutRequest;
      bankAccountId: number;
    }): Promise<{ ok: true; providerPayoutId: string } | { ok: false; reason: string }> {
      const account = await destination(input.bankAccountId);
      const key = payoutWorkflowId(input.req.payoutId);
      try {
        const accepted = await payouts.payout(
          { amountMinor: input.req.amountMinor, currency: input.req.currency, ...account, reference: key },
          key,
        );
        return { ok: true, providerPayoutId: accepted.id };
      } catch (err) {
        if (err instanceof PayoutRefused) return { ok: false, reason: `refused by the payout provider (${err.status})` };
        throw err;
      }
    },

    /** For a webhook that never came. */
    async checkPayout(input: { providerPayoutId: string }) {
      const payout = await payouts.getPayout(input.providerPayoutId);
      return { status: payout.status, failureCode: payout.failureCode, failureMessage: payout.failureMessage };
    },

    /** Resolves the hold once: posted when the provider paid, voided otherwise. */
    async resolvePayoutHold(input: { payoutId: string; outcome: 'post' | 'void' }): Promise<void> {
      const pendingId = payoutHoldTransferId(input.payoutId);
      const id = input.outcome === 'post' ? payoutPostTransferId(input.payoutId) : payoutVoidTransferId(input.payoutId);
      await ledger.createTransfer({ id, pendingId, kind: input.outcome });
    },

    /** The read model and the audit entry in one transaction, then words (idempotent by retry key). */
    async commitPayout(step: PayoutCommit): Promise<void> {
      await knex.transaction(async (trx) => {
        const changed = await trx('payouts')
          .where({ payout_id: step.payoutId })
          .andWhere('state_version', '<', step.stateVersion)
          .update({
            state: step.state,
            state_version: step.stateVersion,
            ...(step.holdReasons !== undefined ? { hold_reasons: JSON.stringify(step.holdReasons) } : {}),
            ...(step.providerPayoutId !== undefined ? { provider_payout_id: step.providerPayoutId } : {}),
            ...(step.failureReason !== undefined ? { failure_reason: step.failureReason } : {}),
            ...(step.decidedBy !== undefined ? { decided_by: step.decidedBy } : {}),
            ...(step.releaseApprovals !== undefined ? { release_approvals: JSON.stringify(step.releaseApprovals) } : {}),
            ...(step.bankAccountId !== undefined ? { bank_account_id: step.bankAccountId, account_masked: step.accountMasked } : {}),
            updated_at: trx.fn.now(),
          });
        if (changed > 0 && step.audit) {
          await appendAudit(trx, {
            actor: step.audit.actor,
            action: step.audit.action,
            subject: `payout:${step.payoutId}`,
            details: step.audit.details,
          });
        }
      });
      await sendAll(knex, chat, step.messages);
    },
  };
}
