import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { DealMessage } from '../src/chat/messages';
import type { ChatPort } from '../src/chat/port';
import type { Settings } from '../src/config/settings';
import { walletAccountId, walletActivationWorkflowId } from '../src/domain/ids';
import type { Ledger } from '../src/ledger';
import { challengeOtp, proofsMatch } from '../src/otp/otp';
import { walletChallengeSubject, walletCodeProof } from '../src/wallet/activation';
import { sendAll } from './messaging';

/** The wallet's rows and ledger account, and what the activation workflow says to its owner. */
export interface WalletActivityDeps {
  knex: Knex;
  ledger: Ledger;
  chat: ChatPort;
  temporal: Client;
  settings: Settings;
}

export type WalletActivities = ReturnType<typeof createWalletActivities>;
export type WalletState = 'inactive' | 'active' | 'locked' | 'invalidated';

export function createWalletActivities(deps: WalletActivityDeps) {
  const { knex, ledger, chat, settings } = deps;
  const secret = settings.secrets.hashSecret;
  return {
    async prepareWallet(input: { userId: string }): Promise<WalletState> {
      await knex('users').insert({ user_id: input.userId }).onConflict('user_id').ignore();
      await knex('wallets').insert({ user_id: input.userId }).onConflict('user_id').ignore();
      const row = await knex('wallets').where({ user_id: input.userId }).first();
      if (!row) throw new Error(`invariant: the wallet of ${input.userId} was just written`);
      return row.state === 'locked' ? 'inactive' : row.state;
    },

    async issueWalletCode(input: { userId: string; role: string; round: number; ttlMs: number }) {
      const challengeId = `${walletChallengeSubject(input.userId)}:round-${input.round}`;
      // Derived from the challenge: a retried activity sends the same code in the same message.
      const code = challengeOtp(secret, challengeId);
      await knex('otp_challenges')
        .insert({
          challenge_id: challengeId,
          subject: walletChallengeSubject(input.userId),
          user_id: input.userId,
          code_hash: walletCodeProof(secret, input.userId, code),
          max_attempts: 1_000, // the workflow counts attempts per round; this row only checks codes
          expires_at: new Date(Date.now() + input.ttlMs),
        })
        .onConflict('challenge_id')
        .merge(['code_hash', 'expires_at']);
      const message: DealMessage = {
        kind: 'wallet_activation_request',
        activationUrl: `${settings.publicBaseUrl}/pages/wallet?role=${input.role}`,
        verificationCode: code,
      };
      await sendAll(knex, chat, [{ to: input.userId, message, retryKey: challengeId }]);
      return { challengeId };
    },

    async checkWalletCode(input: { challengeId: string; userId: string; codeProof: string }): Promise<'ok' | 'wrong'> {
      const row = await knex('otp_challenges').where({ challenge_id: input.challengeId, user_id: input.userId }).first();
      if (!row || new Date(row.expires_at).getTime() < Date.now()) return 'wrong';
      return proofsMatch(row.code_hash, input.codeProof) ? 'ok' : 'wrong';
    },

    /** S308: the wallet's ledger account exists and the wallet is enabled. */
    async enableWallet(input: { userId: string }): Promise<void> {
      // The home currency's account now; others open when the first deal in that currency settles.
      await ledger.createAccount({
        id: walletAccountId(input.userId, 'TWD'),
        currency: 'TWD',
        kind: 'user_wallet',
        debitsMustNotExceedCredits: true,
      });
      await knex('wallets')
        .where({ user_id: input.userId })
        .update({
          state: 'active',
          ledger_account_id: walletAccountId(input.userId, 'TWD'),
          activated_at: knex.fn.now(),
          locked_until: null,
          updated_at: knex.fn.now(),
        });
      await sendAll(knex, chat, [
        { to: input.userId, message: { kind: 'wallet_activated' }, retryKey: `wallet-activated:${input.userId}` },
      ]);
    },

    async setWalletState(input: { userId: string; state: WalletState; lockouts: number; lockedUntil?: string }): Promise<void> {
      await knex('wallets')
        .where({ user_id: input.userId })
        .update({
          state: input.state,
          lockouts: input.lockouts,
          locked_until: input.lockedUntil ?? null,
          updated_at: knex.fn.now(),
        });
    },

    async tellWallet(input: { userId: string; step: string; message: DealMessage }): Promise<void> {
      await sendAll(knex, chat, [
        { to: input.userId, message: input.message, retryKey: `${walletActivationWorkflowId(input.userId)}:${input.step}` },
      ]);
    },
  };
}
