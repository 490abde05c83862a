import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { HttpProblem } from './problem';

/**
 * Who is calling. A page never tells us: buyers and sellers present a LINE ID token that the
 * server verifies with LINE; support staff present a token from SUPPORT_TOKENS with a role.
 */
export interface IdentityVerifier {
  /** The LINE user id of a valid ID token, or undefined. */
  verify(idToken: string): Promise<string | undefined>;
}

export interface StaffMember {
  staffId: string;
  role: 'viewer' | 'agent' | 'admin';
}

const ROLE_RANK: Record<StaffMember['role'], number> = { viewer: 0, agent: 1, admin: 2 };
const VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;
const VERIFIED_TOKEN_CACHE_TTL_MS = 60_000;

/** Verified tokens are remembered briefly so a page's several calls cost one verification. */
export function cachingVerifier(inner: IdentityVerifier): IdentityVerifier {
  const cache = new Map<string, { userId: string; untilMs: number }>();
  return {
    async verify(idToken) {
      const hit = cache.get(idToken);
      if (hit && hit.untilMs > Date.now()) return hit.userId;
      const userId = await inner.verify(idToken);
      if (userId !== undefined) {
        if (cache.size >= VERIFIED_TOKEN_CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(idToken, { userId, untilMs: Date.now() + VERIFIED_TOKEN_CACHE_TTL_MS });
      }
      return userId;
    },
  };
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S{1,4096})$/i.exec(header);
  return match?.[1];
}

export function requireUser(verifier: IdentityVerifier, loginUrl: (req: Request) => string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req);
    const userId = token === undefined ? undefined : await verifier.verify(token).catch(() => undefined);
    if (userId === undefined) {
      // S109/S110: not logged in to the platform → a login request; the page comes back after login.
      return next(new HttpProblem(401, 'login-required', 'log in with LINE to continue', { loginUrl: loginUrl(req) }));
    }
    res.locals.userId = userId;
    next();
  };
}

export function parseStaffTokens(spec: string): Map<string, StaffMember> {
  const staff = new Map<string, StaffMember>();
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [token, staffId, role] = entry.split(':');
    if (!token || !staffId || !(role in ROLE_RANK)) throw new Error(`SUPPORT_TOKENS entry "${staffId ?? '?'}" must be token:staffId:viewer|agent|admin`);
    staff.set(token, { staffId, role: role as StaffMember['role'] });
  }
  return staff;
}

export function requireStaff(staff: Map<string, StaffMember>, minimum: StaffMember['role']) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req) ?? '';
    let member: StaffMember | undefined;
    for (const [known, who] of staff) {
      const a = Buffer.from(known);
      const b = Buffer.from(token);
      if (a.length === b.length && timingSafeEqual(a, b)) member = who;
    }
    if (!member) return next(new HttpProblem(401, 'staff-login-required', 'a support staff token is required'));
    if (ROLE_RANK[member.role] < ROLE_RANK[minimum]) return next(new HttpProblem(403, 'forbidden', `this needs the ${minimum} role`));
    res.locals.staff = member;
    next();
  };
}
