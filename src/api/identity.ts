import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { HttpProblem } from './problem';

/**
 * Who is calling. A page never tells us: buyers and sellers present a LINE ID token that the
 * server verifies with LINE; support staff sign in through OpenID Connect (./staff-auth).
 */
export interface IdentityVerifier {
  /** The LINE user id of a valid ID token, or undefined. */
  verify(idToken: string): Promise<string | undefined>;
}

const TOKEN_CACHE_MAX_ENTRIES = 10_000;
const REFUSAL_CACHE_MAX_ENTRIES = 10_000;
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/;

/** What the identity provider said about a token it accepted. */
export interface VerifiedToken {
  userId: string;
  /** The token's exp: never accepted at or after this. */
  expiresAtMs: number;
}

export interface TokenCheck {
  /** The verified identity, or undefined when the provider refused the token; throws when it could not be asked. */
  verify(idToken: string): Promise<VerifiedToken | undefined>;
}

export interface VerifierCacheOptions {
  /** A verified token is remembered this long, and never past its exp. */
  tokenCacheMs: number;
  /** A refused token is remembered this long. */
  refusalCacheMs: number;
  now?: () => number;
}

/**
 * Remembers answers so a page's several calls cost one verification, and so the same bogus
 * bearer string sent again (or many times at once) costs the provider one call. What is not
 * shaped like a JWT, or says it has expired, is refused without asking: such a refusal trusts
 * nothing the token claims, it only declines to spend a call on it.
 */
export function cachingVerifier(inner: TokenCheck, options: VerifierCacheOptions): IdentityVerifier {
  const now = options.now ?? Date.now;
  const accepted = new Map<string, { userId: string; untilMs: number }>();
  const refused = new Map<string, number>();
  const inFlight = new Map<string, Promise<VerifiedToken | undefined>>();
  const remember = <V>(map: Map<string, V>, max: number, key: string, value: V) => {
    map.delete(key);
    if (map.size >= max) map.delete(map.keys().next().value as string);
    map.set(key, value);
  };

  const ask = async (key: string, idToken: string): Promise<VerifiedToken | undefined> => {
    try {
      const verified = await inner.verify(idToken);
      const at = now();
      if (verified === undefined || verified.expiresAtMs <= at) {
        if (options.refusalCacheMs > 0) remember(refused, REFUSAL_CACHE_MAX_ENTRIES, key, at + options.refusalCacheMs);
        return undefined;
      }
      const untilMs = Math.min(at + options.tokenCacheMs, verified.expiresAtMs);
      if (untilMs > at) remember(accepted, TOKEN_CACHE_MAX_ENTRIES, key, { userId: verified.userId, untilMs });
      return verified;
    } finally {
      inFlight.delete(key);
    }
  };

  return {
    async verify(idToken) {
      const at = now();
      const expMs = claimedExpiryMs(idToken);
      if (expMs === undefined || expMs <= at) return undefined;
      const key = createHash('sha256').update(idToken).digest('base64url');
      const hit = accepted.get(key);
      if (hit) {
        if (hit.untilMs > at) return hit.userId;
        accepted.delete(key);
      }
      const refusedUntilMs = refused.get(key);
      if (refusedUntilMs !== undefined) {
        if (refusedUntilMs > at) return undefined;
        refused.delete(key);
      }
      let pending = inFlight.get(key);
      if (!pending) {
        pending = ask(key, idToken);
        inFlight.set(key, pending);
      }
      const verified = await pending;
      return verified && verified.expiresAtMs > now() ? verified.userId : undefined;
    },
  };
}

/** The exp a JWT claims (unverified), or undefined when the string is not a JWT with an exp. */
function claimedExpiryMs(token: string): number | undefined {
  const match = JWT_PATTERN.exec(token);
  if (!match) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const IDENTITY_RETRY_AFTER_SECONDS = 5;

function bearer(req: Request): string | undefined {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S{1,4096})$/i.exec(header);
  return match?.[1];
}

export function requireUser(verifier: IdentityVerifier, loginUrl: (req: Request) => string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req);
    let userId: string | undefined;
    try {
      userId = token === undefined ? undefined : await verifier.verify(token);
    } catch (err) {
      // The identity provider is down or slow: not the caller's fault, and logging in again would not help.
      if ((err as { retryable?: unknown }).retryable === true) {
        res.set('retry-after', String(IDENTITY_RETRY_AFTER_SECONDS));
        return next(new HttpProblem(503, 'identity-unavailable', 'we cannot check your LINE login right now; please retry shortly'));
      }
      userId = undefined;
    }
    if (userId === undefined) {
      // S109/S110: not logged in to the platform → a login request; the page comes back after login.
      return next(new HttpProblem(401, 'login-required', 'log in with LINE to continue', { loginUrl: loginUrl(req) }));
    }
    res.locals.userId = userId;
    next();
  };
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(req: Request): string | undefined {
  return bearer(req);
}
