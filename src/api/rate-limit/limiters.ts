import type { Express, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { RateLimitSettings } from '../../config/settings';
import { bearerToken, type IdentityVerifier } from '../identity';
import type { StaffAuthenticator } from '../staff-auth';
import { sendProblem } from '../problem';
import { PostgresRateLimitStore } from './postgres-store';

/**
 * Rate limits (express-rate-limit, counts in PostgreSQL so every api process shares them) on the
 * calls worth guessing or flooding: LINE Login, OTP submission and resend, phone binding, link
 * creation, staff sign-in and calls, and the codec endpoint. A client is its user or staff id when the
 * request proves one, else its address (req.ip, which honours TRUST_PROXY). Over the limit:
 * 429 problem+json with Retry-After.
 */
export interface RateLimitDeps {
  knex: Knex;
  limits: RateLimitSettings;
  /** The deployment (its task queue): api processes of one deployment share counts, other deployments on the same database do not. */
  scope: string;
  verifier: IdentityVerifier;
  staffAuth: StaffAuthenticator;
}

type KeyOf = (req: Request) => Promise<string>;

const addressOf = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;

export function installRateLimits(app: Express, deps: RateLimitDeps): void {
  const { limits } = deps;
  const limiter = (family: string, limit: number, keyOf: KeyOf, methods?: string[]): RequestHandler =>
    rateLimit({
      windowMs: limits.windowMs,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store: new PostgresRateLimitStore(deps.knex, `${deps.scope}:${family}:`),
      keyGenerator: keyOf,
      skip: (req) => req.method === 'OPTIONS' || (methods !== undefined && !methods.includes(req.method)),
      handler: (req, res) => {
        const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
        const retryAfterSeconds = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000));
        res.set('retry-after', String(retryAfterSeconds));
        sendProblem(res, 429, 'too-many-requests', `too many requests; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
      },
      // Our keys are user/staff ids or addresses already reduced by ipKeyGenerator.
      validate: { keyGeneratorIpFallback: false },
    });

  // The same verification the route does next (cached), so a logged-in user is counted as one
  // person on any network; an unverifiable token counts against the address.
  const byUser: KeyOf = async (req) => {
    const token = bearerToken(req);
    const userId = token === undefined ? undefined : await deps.verifier.verify(token).catch(() => undefined);
    return userId !== undefined ? `user:${userId}` : addressOf(req);
  };
  const byStaff: KeyOf = async (req) => {
    const member = await deps.staffAuth.authenticate(req).catch(() => undefined);
    return member ? `staff:${member.staffId}` : addressOf(req);
  };
  const byAddress: KeyOf = async (req) => addressOf(req);

  app.use('/auth/line', limiter('login', limits.loginMax, byAddress));
  app.use('/auth/staff', limiter('staff-login', limits.loginMax, byAddress));
  app.use('/codec', limiter('codec', limits.codecMax, byAddress));
  app.use('/api/support', limiter('staff', limits.staffMax, byStaff));
  app.use('/api/phone-binding', limiter('phone', limits.phoneMax, byUser, ['POST', 'PUT', 'DELETE']));
  app.post('/api/links', limiter('links', limits.linksMax, byUser));
  app.post('/api/orders/:code/otp', limiter('otp', limits.otpMax, byUser));
  app.post('/api/orders/:code/otp/resend', limiter('otp-resend', limits.otpResendMax, byUser));
}
