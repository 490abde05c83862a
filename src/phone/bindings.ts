import type { Knex } from 'knex';
import { appendAudit } from '../audit';

/** What the phone page shows, and support's S407 clearing. */
export interface PhoneBindingView {
  bound: { phone: string; boundAt: string } | null;
  pending: { phone: string; expiresAt: string; attemptsLeft: number } | null;
}

export async function phoneBindingView(knex: Knex, userId: string, now: Date = new Date()): Promise<PhoneBindingView> {
  const [bound, pending] = await Promise.all([
    knex('phone_bindings')
      .where({ user_id: userId })
      .orderBy([
        { column: 'bound_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first('phone_masked', 'bound_at'),
    knex('phone_verifications')
      .where({ user_id: userId, state: 'pending' })
      .andWhere('expires_at', '>', now)
      .first('phone_masked', 'expires_at', 'attempts', 'max_attempts'),
  ]);
  return {
    bound: bound ? { phone: bound.phone_masked, boundAt: bound.bound_at.toISOString() } : null,
    pending: pending
      ? { phone: pending.phone_masked, expiresAt: pending.expires_at.toISOString(), attemptsLeft: pending.max_attempts - pending.attempts }
      : null,
  };
}

/**
 * S407: support verified the user another way; their open bindings stop counting as abnormal.
 * The audit entry names the staff member and the masked numbers, never a number itself.
 */
export async function clearPhoneBindings(knex: Knex, input: { userId: string; actor: string; reason?: string }): Promise<number> {
  return knex.transaction(async (trx) => {
    const cleared = await trx('phone_bindings')
      .where({ user_id: input.userId })
      .whereNull('cleared_at')
      .update({ cleared_at: trx.fn.now() })
      .returning<Array<{ phone_masked: string }>>('phone_masked');
    if (cleared.length > 0) {
      await appendAudit(trx, {
        actor: input.actor,
        action: 'phone_binding.cleared',
        subject: `user:${input.userId}`,
        details: { phones: cleared.map((r) => r.phone_masked), count: cleared.length, ...(input.reason ? { reason: input.reason } : {}) },
      });
    }
    return cleared.length;
  });
}
