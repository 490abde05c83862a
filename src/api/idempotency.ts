import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { HttpProblem } from './problem';

/**
 * The Idempotency-Key rule, once for every route that takes one: the header is checked, and the
 * update id made from it is scoped to who calls and what they call, so two users (or two
 * routes) with the same key never share a step, and one user repeating a call gets its result.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_PATTERN = /^[\w\-:.]{8,128}$/;

/** The header, checked; undefined when absent and not required. */
export function idempotencyKeyFrom(req: Request, options: { required?: boolean } = {}): string | undefined {
  const key = req.get(IDEMPOTENCY_KEY_HEADER);
  if (key === undefined) {
    if (options.required) throw new HttpProblem(400, 'idempotency-key-required', 'this call needs an Idempotency-Key header');
    return undefined;
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new HttpProblem(400, 'bad-idempotency-key', 'Idempotency-Key must be 8-128 characters of letters, digits, - _ : .');
  }
  return key;
}

/** Who is calling, as the identity middleware established it (a user or a staff member). */
function callerOf(res: Response): string {
  const staff = res.locals.staff as { staffId?: string } | undefined;
  if (staff?.staffId) return `staff:${staff.staffId}`;
  if (typeof res.locals.userId === 'string') return `user:${res.locals.userId}`;
  throw new Error('updateIdFrom needs an identified caller: mount it after requireUser or requireStaff');
}

/** The Temporal update id for this call, or undefined (a fresh id) when no key was sent. */
export function updateIdFrom(req: Request, res: Response): string | undefined {
  const key = idempotencyKeyFrom(req);
  if (key === undefined) return undefined;
  const route = `${req.method} ${req.baseUrl}${req.route?.path ?? req.path} ${JSON.stringify(req.params)}`;
  return `idem-${createHash('sha256')
    .update(`${callerOf(res)}\n${route}\n${key}`)
    .digest('hex')
    .slice(0, 48)}`;
}
