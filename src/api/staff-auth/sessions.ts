import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { StaffRole, VerifiedStaff } from './access-tokens';

/**
 * The console's staff sessions. The browser holds a random value in an HttpOnly, SameSite=Strict
 * cookie (Secure and `__Host-` prefixed when we are served over https); the table keeps only its
 * hash, who signed in, their roles, and when the access token they signed in with expires - the
 * session ends then (or at sign-out, which deletes the row). The access token itself is never
 * kept and never reaches the page's script.
 *
 * Cookies ride along with any request the browser makes to us, so a state-changing call made
 * with the session must also carry `X-CSRF-Token`: an HMAC of the session value that only our
 * own pages can read (GET /auth/staff/session, same origin).
 */
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_BYTES = 32;

export interface SessionStaff {
  staffId: string;
  name?: string;
  roles: StaffRole[];
  expiresAtMs: number;
}

export interface StaffSessionStore {
  readonly cookieName: string;
  readonly secure: boolean;
  create(staff: VerifiedStaff): Promise<string>;
  find(cookieValue: string): Promise<SessionStaff | undefined>;
  delete(cookieValue: string): Promise<SessionStaff | undefined>;
  csrfTokenFor(cookieValue: string): string;
  csrfMatches(cookieValue: string, presented: string | undefined): boolean;
}

const hashOf = (value: string) => createHash('sha256').update(value).digest('base64url');

export function staffSessionStore(knex: Knex, options: { publicBaseUrl: string; hashSecret: string }): StaffSessionStore {
  const secure = new URL(options.publicBaseUrl).protocol === 'https:';
  const csrfKey = Buffer.from(hkdfSync('sha256', options.hashSecret, Buffer.alloc(0), 'staff-session-csrf', 32));
  const csrfTokenFor = (cookieValue: string) => createHmac('sha256', csrfKey).update(cookieValue).digest('base64url');
  const rowToStaff = (row: { staff_id: string; name: string | null; roles: StaffRole[]; expires_at: Date }): SessionStaff => ({
    staffId: row.staff_id,
    ...(row.name ? { name: row.name } : {}),
    roles: row.roles,
    expiresAtMs: new Date(row.expires_at).getTime(),
  });
  return {
    cookieName: secure ? '__Host-staff_session' : 'staff_session',
    secure,
    async create(staff) {
      const value = randomBytes(COOKIE_BYTES).toString('base64url');
      await knex('staff_sessions').where('expires_at', '<', knex.fn.now()).delete(); // ended sessions leave with the next sign-in
      await knex('staff_sessions').insert({
        session_hash: hashOf(value),
        staff_id: staff.staffId,
        name: staff.name ?? null,
        roles: JSON.stringify(staff.roles),
        expires_at: new Date(staff.expiresAtMs),
      });
      return value;
    },
    async find(cookieValue) {
      const row = await knex('staff_sessions')
        .where({ session_hash: hashOf(cookieValue) })
        .andWhere('expires_at', '>', knex.fn.now())
        .first();
      return row ? rowToStaff(row) : undefined;
    },
    async delete(cookieValue) {
      const [row] = await knex('staff_sessions')
        .where({ session_hash: hashOf(cookieValue) })
        .delete()
        .returning(['staff_id', 'name', 'roles', 'expires_at']);
      return row ? rowToStaff(row) : undefined;
    },
    csrfTokenFor,
    csrfMatches(cookieValue, presented) {
      if (presented === undefined) return false;
      const expected = Buffer.from(csrfTokenFor(cookieValue));
      const given = Buffer.from(presented);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
