import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAudit } from '../audit';
import type { PhoneVerificationPolicy } from '../config/settings';
import { decryptField, encryptField, keyedHash, maskPhone, type KeyRing } from '../crypto';
import { ProviderBadResponse } from '../payment/provider-errors';
import { SmsRefused, SmsUnavailable, type SmsSender } from '../sms';
import { bindingCap, sendCap, type CapRefusal } from './caps';
import { generatePhoneCode, phoneCodeHash, phoneCodeHashesMatch } from './code';
import { isVirtualNumber } from './intelligence';
import { bindingCodeText } from './sms-text';

/**
 * S404–S405 with proof: a number becomes a binding only after the code texted to it comes back.
 * Every step for one user runs under a lock on that user's row, so the caps and the one pending
 * verification hold under concurrent requests; the text itself is sent after that commit, so a
 * slow SMS provider never holds a lock.
 */
export interface PhoneVerificationDeps {
  knex: Knex;
  sms: SmsSender;
  hashSecret: string;
  fieldKeys: KeyRing;
  policy: PhoneVerificationPolicy;
  virtualPrefixes: string[];
  now?: () => Date;
}

export type StartOutcome =
  | { outcome: 'code_sent'; phone: string; expiresAt: Date; attemptsLeft: number }
  | { outcome: 'already_bound'; phone: string }
  | { outcome: 'sms_unavailable'; retryAfterSeconds?: number }
  | { outcome: 'sms_refused' }
  | CapRefusal;

export type CompleteOutcome =
  | { outcome: 'bound' | 'already_bound'; phone: string }
  | { outcome: 'wrong_code'; attemptsLeft: number }
  | { outcome: 'locked' | 'expired' | 'no_pending' }
  | CapRefusal;

const ENDED = (now: Date) => ({ phone_ciphertext: null, ended_at: now });

/** Serialises one user's binding steps; creates the user row on a first visit. */
async function lockUser(trx: Knex.Transaction, userId: string): Promise<string | null> {
  await trx('users').insert({ user_id: userId }).onConflict('user_id').ignore();
  const row = await trx('users').where({ user_id: userId }).forUpdate().first('language');
  return row?.language ?? null;
}

async function latestBindingHash(trx: Knex.Transaction, userId: string): Promise<string | undefined> {
  const row = await trx('phone_bindings')
    .where({ user_id: userId })
    .orderBy([
      { column: 'bound_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first('phone_hash');
  return row?.phone_hash;
}

export async function startPhoneVerification(
  deps: PhoneVerificationDeps,
  input: { userId: string; phoneE164: string },
): Promise<StartOutcome> {
  const { knex, policy } = deps;
  const now = deps.now?.() ?? new Date();
  const phoneHash = keyedHash(deps.hashSecret, input.phoneE164);
  const phone = maskPhone(input.phoneE164);
  const verificationId = `pv_${randomBytes(16).toString('hex')}`;
  const code = generatePhoneCode();
  const expiresAt = new Date(now.getTime() + policy.codeTtlMs);

  const reserved = await knex.transaction(async (trx): Promise<StartOutcome | { language: string | null }> => {
    const language = await lockUser(trx, input.userId);
    // Two users asking for codes to one number at once must not both slip under its cap.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`phone-verification:${phoneHash}`]);
    // Re-binding the number already bound proves nothing new and must not add a row.
    if ((await latestBindingHash(trx, input.userId)) === phoneHash) return { outcome: 'already_bound', phone };
    const refused =
      (await bindingCap(trx, input.userId, policy, now)) ?? (await sendCap(trx, { userId: input.userId, phoneHash }, policy, now));
    if (refused) return refused;
    await trx('phone_verifications')
      .where({ user_id: input.userId, state: 'pending' })
      .update({ state: 'superseded', ...ENDED(now) });
    await trx('phone_verifications').insert({
      verification_id: verificationId,
      user_id: input.userId,
      phone_hash: phoneHash,
      phone_ciphertext: encryptField(deps.fieldKeys, input.phoneE164),
      phone_masked: phone,
      code_hash: phoneCodeHash(deps.hashSecret, verificationId, code),
      max_attempts: policy.maxAttempts,
      state: 'pending',
      expires_at: expiresAt,
      created_at: now,
    });
    return { language };
  });
  if ('outcome' in reserved) return reserved;

  try {
    const text = bindingCodeText(reserved.language === 'en' ? 'en' : 'zh-TW', code, Math.max(1, Math.round(policy.codeTtlMs / 60_000)));
    const { messageId } = await deps.sms.send({ toE164: input.phoneE164, text, reference: verificationId });
    await knex('phone_verifications').where({ verification_id: verificationId }).update({ provider_message_id: messageId });
  } catch (err) {
    if (!(err instanceof SmsUnavailable || err instanceof SmsRefused || err instanceof ProviderBadResponse)) throw err;
    // No text went out (or we cannot tell): this verification can never complete.
    await knex('phone_verifications')
      .where({ verification_id: verificationId, state: 'pending' })
      .update({ state: 'send_failed', ...ENDED(now) });
    if (err instanceof SmsRefused) return { outcome: 'sms_refused' };
    return { outcome: 'sms_unavailable', retryAfterSeconds: err instanceof SmsUnavailable ? err.retryAfterSeconds : undefined };
  }
  return { outcome: 'code_sent', phone, expiresAt, attemptsLeft: policy.maxAttempts };
}

export async function completePhoneVerification(
  deps: PhoneVerificationDeps,
  input: { userId: string; code: string },
): Promise<CompleteOutcome> {
  const { policy } = deps;
  const now = deps.now?.() ?? new Date();
  return deps.knex.transaction(async (trx): Promise<CompleteOutcome> => {
    await lockUser(trx, input.userId);
    const latest = await trx('phone_verifications').where({ user_id: input.userId }).orderBy('created_at', 'desc').first();
    if (!latest || latest.state !== 'pending') return { outcome: latest?.state === 'locked' ? 'locked' : 'no_pending' };
    if (latest.expires_at.getTime() <= now.getTime()) return { outcome: 'expired' };
    const where = { verification_id: latest.verification_id };

    if (!phoneCodeHashesMatch(phoneCodeHash(deps.hashSecret, latest.verification_id, input.code), latest.code_hash)) {
      const attempts = latest.attempts + 1;
      if (attempts >= latest.max_attempts) {
        await trx('phone_verifications')
          .where(where)
          .update({ attempts, state: 'locked', ...ENDED(now) });
        return { outcome: 'locked' };
      }
      await trx('phone_verifications').where(where).update({ attempts });
      return { outcome: 'wrong_code', attemptsLeft: latest.max_attempts - attempts };
    }

    if ((await latestBindingHash(trx, input.userId)) === latest.phone_hash) {
      await trx('phone_verifications')
        .where(where)
        .update({ state: 'verified', ...ENDED(now) });
      return { outcome: 'already_bound', phone: latest.phone_masked };
    }
    const refused = await bindingCap(trx, input.userId, policy, now);
    if (refused) return refused;
    const e164 = decryptField(deps.fieldKeys, latest.phone_ciphertext);
    await trx('phone_bindings').insert({
      user_id: input.userId,
      phone_hash: latest.phone_hash,
      phone_ciphertext: latest.phone_ciphertext,
      phone_masked: latest.phone_masked,
      is_virtual: isVirtualNumber(e164, deps.virtualPrefixes),
      bound_at: now,
    });
    await trx('phone_verifications')
      .where(where)
      .update({ state: 'verified', ...ENDED(now) });
    await appendAudit(trx, {
      actor: input.userId,
      action: 'phone_binding.bound',
      subject: `user:${input.userId}`,
      details: { phone: latest.phone_masked, verificationId: latest.verification_id },
    });
    return { outcome: 'bound', phone: latest.phone_masked };
  });
}
