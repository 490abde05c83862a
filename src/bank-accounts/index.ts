import type { Knex } from 'knex';
import { appendAudit } from '../audit';
import { decryptField, encryptField, keyedHash, maskAccount, normaliseBankAccount, type KeyRing } from '../crypto';

/**
 * Verified bank accounts and the receiving identity codes that point at them (S601–S607,
 * S701–S707): how an entered account is sealed before Temporal sees it, which account a payout
 * goes to, and how a party withdraws their code. Used by the api, the quick-receive activities
 * and the payout activities alike.
 */
export type QuickReceiveRole = 'buyer' | 'seller';

/** What a bank page entered, as the workflow may see it: the bank code, a keyed hash, a mask and a sealed rest. */
export interface SealedBankEntry {
  bankCode: string;
  /** keyedHash(bank code + account digits): equal to the watch-list's `bank_account` key hash. */
  accountHash: string;
  accountMasked: string;
  /** encryptField(JSON of the account number, holder name and verification code). */
  sealed: string;
}

export interface BankEntry {
  bankCode: string;
  accountNumber: string;
  holderName: string;
  verificationCode: string;
}

export function bankAccountHash(hashSecret: string, bankCode: string, accountNumber: string): string {
  return keyedHash(hashSecret, normaliseBankAccount(accountNumber, bankCode));
}

/** Done by the api before anything reaches Temporal. */
export function sealBankEntry(ring: KeyRing, hashSecret: string, entry: BankEntry): SealedBankEntry {
  const { accountNumber, holderName, verificationCode } = entry;
  return {
    bankCode: entry.bankCode,
    accountHash: bankAccountHash(hashSecret, entry.bankCode, accountNumber),
    accountMasked: maskAccount(accountNumber),
    sealed: encryptField(ring, JSON.stringify({ accountNumber, holderName, verificationCode })),
  };
}

export function openBankEntry(ring: KeyRing, entry: SealedBankEntry): BankEntry {
  const opened = JSON.parse(decryptField(ring, entry.sealed)) as Omit<BankEntry, 'bankCode'>;
  return { bankCode: entry.bankCode, ...opened };
}

export interface StoredAccount {
  bankAccountId: number;
  accountMasked: string;
}

/** The destination of a payout: the account behind the party's newest live receiving code. */
export async function activeReceivingAccount(knex: Knex, userId: string): Promise<StoredAccount | undefined> {
  const row = await knex('receiving_codes as c')
    .join('bank_accounts as a', 'a.id', 'c.bank_account_id')
    .where({ 'c.user_id': userId })
    .whereNull('c.revoked_at')
    .orderBy('c.created_at', 'desc')
    .first('a.id', 'a.account_masked');
  return row ? { bankAccountId: Number(row.id), accountMasked: row.account_masked } : undefined;
}

/** The party withdraws their code(s); a payout already started keeps the account it chose. */
export async function revokeReceivingCodes(knex: Knex, input: { userId: string; role?: QuickReceiveRole; actor: string }): Promise<number> {
  return knex.transaction(async (trx) => {
    const query = trx('receiving_codes').where({ user_id: input.userId }).whereNull('revoked_at');
    if (input.role) query.andWhere({ role: input.role });
    const revoked = await query
      .update({ revoked_at: trx.fn.now(), revoked_by: input.actor })
      .returning<Array<{ code: string; role: string }>>(['code', 'role']);
    for (const row of revoked) {
      await appendAudit(trx, {
        actor: input.actor,
        action: 'receiving_code.revoked',
        subject: `user:${input.userId}`,
        details: { role: row.role, code: row.code },
      });
    }
    return revoked.length;
  });
}
