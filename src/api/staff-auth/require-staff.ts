import type { NextFunction, Request, Response } from 'express';
import { HttpProblem } from '../problem';
import { SUPPORT_ROLE_RANK, type StaffTokenVerifier, type SupportRole, type VerifiedStaff } from './access-tokens';
import { IdentityProviderUnavailable } from './provider';
import { CSRF_HEADER, readCookie, type StaffSessionStore } from './sessions';

/**
 * Who among the staff is calling: an access token from the identity provider
 * (`Authorization: Bearer`, for API clients and the Temporal UI), else the console's session
 * cookie. Worked out once per request (the rate limiter and the route both ask).
 */
export interface StaffMember extends VerifiedStaff {
  via: 'bearer' | 'session';
  /** The session cookie's value, when that is how the request proved itself. */
  session?: string;
}

export interface StaffAuthenticator {
  /** Throws IdentityProviderUnavailable when the provider's keys cannot be had; undefined for no or a refused credential. */
  authenticate(req: Request): Promise<StaffMember | undefined>;
  readonly sessions: StaffSessionStore;
}

const IDENTITY_RETRY_AFTER_SECONDS = 5;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bearerOf(req: Request): string | undefined {
  return /^Bearer\s+(\S{1,8192})$/i.exec(req.get('authorization') ?? '')?.[1];
}

export function staffAuthenticator(deps: { verifier?: StaffTokenVerifier; sessions: StaffSessionStore }): StaffAuthenticator {
  const seen = new WeakMap<Request, Promise<StaffMember | undefined>>();
  const work = async (req: Request): Promise<StaffMember | undefined> => {
    const token = bearerOf(req);
    if (token !== undefined) {
      if (!deps.verifier) throw new IdentityProviderUnavailable('staff sign-in is not configured (OIDC_ISSUER_URL)');
      const staff = await deps.verifier.verify(token);
      return staff && { ...staff, via: 'bearer' };
    }
    const cookie = readCookie(req, deps.sessions.cookieName);
    if (cookie === undefined) return undefined;
    const staff = await deps.sessions.find(cookie);
    if (!staff) return undefined;
    const support = (['viewer', 'agent', 'admin'] as const).filter((r) => staff.roles.includes(r));
    return { ...staff, role: support.at(-1), via: 'session', session: cookie };
  };
  return {
    sessions: deps.sessions,
    authenticate(req) {
      let pending = seen.get(req);
      if (!pending) {
        pending = work(req);
        seen.set(req, pending);
      }
      return pending;
    },
  };
}

/** The staff member, or the problem that keeps them out (401, 403, or 503 when the provider cannot be reached). */
export async function staffOf(auth: StaffAuthenticator, req: Request): Promise<StaffMember> {
  let member: StaffMember | undefined;
  try {
    member = await auth.authenticate(req);
  } catch (err) {
    if (err instanceof IdentityProviderUnavailable) {
      throw new HttpProblem(
        503,
        'identity-unavailable',
        'staff sign-in cannot be checked right now; please retry shortly',
        {},
        { 'retry-after': String(IDENTITY_RETRY_AFTER_SECONDS) },
      );
    }
    throw err;
  }
  if (!member)
    throw new HttpProblem(
      401,
      'staff-login-required',
      "sign in as support staff: an access token from the identity provider, or the console's session",
    );
  // A cookie comes with any request the browser makes; only our pages can send the matching token.
  if (member.via === 'session' && !SAFE_METHODS.has(req.method) && !auth.sessions.csrfMatches(member.session!, req.get(CSRF_HEADER))) {
    throw new HttpProblem(403, 'csrf-token-required', `a call made with the console's session needs its ${CSRF_HEADER} header`);
  }
  return member;
}

export function requireStaff(auth: StaffAuthenticator, minimum: SupportRole) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const member = await staffOf(auth, req);
      if (member.role === undefined || SUPPORT_ROLE_RANK[member.role] < SUPPORT_ROLE_RANK[minimum]) {
        return next(new HttpProblem(403, 'forbidden', `this needs the ${minimum} role`));
      }
      res.locals.staff = member;
      next();
    } catch (err) {
      next(err);
    }
  };
}
