import type { Knex } from 'knex';
import { appendAudit } from '../src/audit';
import { BankCenterRefused, type BankCenter } from '../src/bankcenter';
import type { DealMessage } from '../src/chat/messages';
import type { ChatPort } from '../src/chat/port';
import type { Settings } from '../src/config/settings';
import { randomCode } from '../src/domain/ids';
import { matchWatchlist } from '../src/watchlist';
import { sendAll } from './messaging';
import { encryptField } from '../src/crypto';
import { openBankEntry, type BankEntry, type QuickReceiveRole, type SealedBankEntry, type StoredAccount } from '../src/bank-accounts';
import type { QuickReceiveFailure } from '../workflows/quick-receive-messages';

/**
 * What the quick-receive workflow (S601–S607, S701–S707) does to the world: look up a stored
 * verified account, screen an entered one against the watch-list, ask the verification center,
 * store the account once verified, and issue the receiving identity code. Account numbers,
 * holder names and bank verification codes reach these functions only sealed (field
 * ciphertext), so workflow histories never hold them, with or without the payload codec.
 */
export interface QuickReceiveActivityDeps {
  knex: Knex;
  chat: ChatPort;
  bankCenter: BankCenter;
  settings: Settings;
}

export type QuickReceiveActivities = ReturnType<typeof createQuickReceiveActivities>;

export function createQuickReceiveActivities(deps: QuickReceiveActivityDeps) {
  const { knex, chat, bankCenter, settings } = deps;
  const hashSecret = settings.secrets.hashSecret;
  const ring = settings.keys.field;

  const isListed = async (userId: string, entry: BankEntry) =>
    (await matchWatchlist(knex, hashSecret, { lineUserId: userId, bankAccount: `${entry.bankCode}${entry.accountNumber}` })).length > 0;

  return {
    /** S602/S702: does this identity have a verified account (this one, when an entry names it)? */
    async findStoredAccount(input: { userId: string; accountHash?: string }): Promise<StoredAccount | null> {
      const query = knex('bank_accounts').where({ user_id: input.userId });
      if (input.accountHash) query.andWhere({ account_hash: input.accountHash });
      const row = await query.orderBy('verified_at', 'desc').first('id', 'account_masked');
      return row ? { bankAccountId: Number(row.id), accountMasked: row.account_masked } : null;
    },

    /** Before the verification center is asked: a listed party or account goes no further. */
    async screenBankEntry(input: { userId: string; entry: SealedBankEntry }): Promise<{ listed: boolean }> {
      return { listed: await isListed(input.userId, openBankEntry(ring, input.entry)) };
    },

    /** S603/S703: the entered code goes to the verification center; its answer comes by signed callback. */
    async startBankVerification(input: { entry: SealedBankEntry; reference: string; idempotencyKey: string }) {
      const entry = openBankEntry(ring, input.entry);
      try {
        const accepted = await bankCenter.startVerification(
          {
            bankCode: entry.bankCode,
            accountNumber: entry.accountNumber,
            holderName: entry.holderName,
            verificationCode: entry.verificationCode,
            callbackUrl: `${settings.publicBaseUrl}/webhooks/bankcenter`,
            reference: input.reference,
          },
          input.idempotencyKey,
        );
        return { ok: true as const, verificationId: accepted.id };
      } catch (err) {
        // A 4xx will answer the same on a retry; say so to the party instead of retrying forever.
        if (err instanceof BankCenterRefused) return { ok: false as const, reason: 'verification_refused' };
        throw err;
      }
    },

    /** For a callback that never came: ask the center directly. */
    async getBankVerification(input: { verificationId: string }) {
      const verification = await bankCenter.getVerification(input.verificationId);
      return { status: verification.status, reason: verification.reason };
    },

    /**
     * S604/S704: stored only when verified, and only when neither the party nor the account is
     * on the watch-list at this moment (an entry may have appeared while the center worked).
     */
    async storeVerifiedAccount(input: {
      userId: string;
      entry: SealedBankEntry;
      verificationId: string;
    }): Promise<{ stored: true; account: StoredAccount } | { stored: false; reason: QuickReceiveFailure }> {
      const entry = openBankEntry(ring, input.entry);
      if (await isListed(input.userId, entry)) return { stored: false, reason: 'watch_listed' };
      return knex.transaction(async (trx) => {
        const [row] = await trx('bank_accounts')
          .insert({
            user_id: input.userId,
            bank_code: entry.bankCode,
            account_ciphertext: encryptField(ring, entry.accountNumber),
            holder_name_ciphertext: encryptField(ring, entry.holderName),
            account_hash: input.entry.accountHash,
            account_masked: input.entry.accountMasked,
            verification_id: input.verificationId,
            verified_at: trx.fn.now(),
          })
          .onConflict(['user_id', 'account_hash'])
          .merge(['account_ciphertext', 'holder_name_ciphertext', 'verification_id', 'verified_at'])
          .returning<Array<{ id: string }>>('id');
        await appendAudit(trx, {
          actor: `user:${input.userId}`,
          action: 'bank_account.verified',
          subject: `bank_account:${row.id}`,
          details: { bankCode: entry.bankCode, accountMasked: input.entry.accountMasked, verificationId: input.verificationId },
        });
        return { stored: true as const, account: { bankAccountId: Number(row.id), accountMasked: input.entry.accountMasked } };
      });
    },

    /**
     * S605–S606/S705–S706: the receiving identity code, random so it reveals nothing of the
     * account. A live code for the same account is reused; another account's is revoked. The
     * issue key makes a retried call return the code it already made.
     */
    async issueReceivingCode(input: {
      userId: string;
      role: QuickReceiveRole;
      bankAccountId: number;
      issueKey: string;
    }): Promise<{ receivingCode: string }> {
      return knex.transaction(async (trx) => {
        const again = await trx('receiving_codes').where({ issue_key: input.issueKey }).first('code');
        if (again) return { receivingCode: again.code };
        // Serialises issues per party and role, so the one-live-code index never trips on a race.
        await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`receiving-code:${input.userId}:${input.role}`]);
        const live = await trx('receiving_codes')
          .where({ user_id: input.userId, role: input.role })
          .whereNull('revoked_at')
          .first('code', 'bank_account_id');
        if (live && Number(live.bank_account_id) === input.bankAccountId) return { receivingCode: live.code };
        if (live)
          await trx('receiving_codes').where({ code: live.code }).update({ revoked_at: trx.fn.now(), revoked_by: 'system:replaced' });
        const code = `RC${randomCode()}`;
        await trx('receiving_codes').insert({
          code,
          user_id: input.userId,
          role: input.role,
          bank_account_id: input.bankAccountId,
          issue_key: input.issueKey,
        });
        await appendAudit(trx, {
          actor: `user:${input.userId}`,
          action: 'receiving_code.issued',
          subject: `user:${input.userId}`,
          details: { role: input.role, bankAccountId: input.bankAccountId, replaced: live?.code ?? null },
        });
        return { receivingCode: code };
      });
    },

    async tellParty(input: { userId: string; retryKey: string; message: DealMessage }): Promise<void> {
      await sendAll(knex, chat, [{ to: input.userId, message: input.message, retryKey: input.retryKey }]);
    },
  };
}
