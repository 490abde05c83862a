import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { IdentityProviderUnavailable, type StaffAuthenticator, type StaffMember } from '../api/staff-auth';

/**
 * The Temporal codec server protocol, so operators can read decrypted payloads in the Web UI:
 * `POST {base}/decode` and `{base}/encode` with `{payloads:[{metadata:{k: base64}, data: base64}]}`.
 * The UI calls it from the operator's browser, hence CORS for the UI's origin (preflights allow
 * the headers the UI sends: Authorization, Authorization-Extras, Content-Type, X-Namespace).
 * Decrypted data is personal data, hence staff identity from the same provider as the console,
 * with the operator or admin role:
 * - the access token the UI forwards (`codec.passAccessToken`, TEMPORAL_CODEC_PASS_ACCESS_TOKEN:
 *   `Authorization: Bearer <the UI's own OIDC access token>`; the UI does so only to https), or
 * - the console's session cookie, which the UI's "include cross-origin credentials" sends
 *   (TEMPORAL_CODEC_INCLUDE_CREDENTIALS; how the dev server's UI, which has no sign-in, gets in).
 * Every decode is audited under the operator's subject.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Who calls: an access token for the codec audience, or the console's session. */
  auth: StaffAuthenticator;
  /** Records who decoded what (the audit log). */
  audit?: (entry: { actor: string; action: string; subject: string; details: Record<string, unknown> }) => Promise<unknown>;
  /** Browser origins of the Temporal UI allowed to call (e.g. http://localhost:8233). */
  allowedOrigins: readonly string[];
  /** Where the endpoints live; the UI's "codec endpoint" setting is this path's URL. */
  basePath?: string;
}

/** Temporal limits one payload to 2 MiB; a batch of a few fits in this. */
const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOADS_PER_REQUEST = 1000;
const PREFLIGHT_CACHE_SECONDS = 600;
/** What the Temporal UI's codec client sends (src/lib/services/data-encoder.ts in temporalio/ui). */
export const CODEC_ALLOWED_HEADERS = ['Authorization', 'Authorization-Extras', 'Content-Type', 'X-Namespace'];
/** Roles that may read decrypted payloads. */
export const CODEC_ROLES = ['operator', 'admin'] as const;
const IDENTITY_RETRY_AFTER_SECONDS = 5;
const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://errors.escrow.invalid/problems/';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const codecBodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(base64).optional(), data: base64.optional() })).max(MAX_PAYLOADS_PER_REQUEST),
});
type JsonPayload = z.infer<typeof codecBodySchema>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function problem(res: Response, status: number, code: string, title: string, detail?: string): void {
  res
    .status(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail }));
}

export function codecRouter(options: CodecServerOptions): Router {
  const base = (options.basePath ?? '/codec').replace(/\/$/, '');
  const router = express.Router();

  router.use(base, (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && options.allowedOrigins.includes(origin)) {
      res.vary('Origin');
      res.setHeader('Access-Control-Allow-Origin', origin);
      // The UI's "include cross-origin credentials" option needs this.
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', CODEC_ALLOWED_HEADERS.join(', '));
      res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_CACHE_SECONDS));
    }
    // Browsers send preflights without credentials: answer them before the token check.
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.use(base, async (req: Request, res: Response, next: NextFunction) => {
    let member: StaffMember | undefined;
    try {
      member = await options.auth.authenticate(req);
    } catch (err) {
      if (!(err instanceof IdentityProviderUnavailable)) return next(err);
      res.setHeader('Retry-After', String(IDENTITY_RETRY_AFTER_SECONDS));
      return problem(
        res,
        503,
        'identity-unavailable',
        'Operator identity cannot be checked right now',
        'the identity provider did not answer',
      );
    }
    if (!member) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return problem(res, 401, 'unauthenticated', "An operator access token (or the console's session) is required");
    }
    // A cookie rides along with any request; only a JSON body needs a CORS preflight, which our origin list answers.
    if (member.via === 'session' && !req.is('application/json')) {
      return problem(res, 415, 'json-required', "A codec call made with the console's session must send application/json");
    }
    if (!CODEC_ROLES.some((role) => member.roles.includes(role))) {
      return problem(res, 403, 'forbidden', 'Decoding payloads needs the operator or admin role');
    }
    res.locals.staff = member;
    next();
  });

  router.use(base, express.json({ limit: CODEC_BODY_LIMIT_BYTES }));

  const handler = (direction: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const parsed = codecBodySchema.safeParse(req.body);
    if (!parsed.success) {
      problem(res, 400, 'invalid-body', 'Expected {payloads:[{metadata, data}]}', parsed.error.issues[0]?.message);
      return;
    }
    const payloads = parsed.data.payloads.map(fromJson);
    const result = direction === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    if (direction === 'decode' && options.audit) {
      const staff = res.locals.staff as StaffMember;
      const namespace = (req.get('x-namespace') ?? '').slice(0, 200);
      await options.audit({
        actor: `support:${staff.staffId}`,
        action: 'codec.decoded',
        subject: `namespace:${namespace || 'unknown'}`,
        details: { payloads: payloads.length, via: staff.via },
      });
    }
    res.json({ payloads: result.map(toJson) });
  };
  router.post(`${base}/decode`, handler('decode'));
  router.post(`${base}/encode`, handler('encode'));

  // Malformed JSON and undecodable payloads (unknown key, altered bytes) are the caller's problem.
  router.use(base, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const message = err instanceof Error ? err.message : String(err);
    const status = (err as { status?: number }).status;
    if (status === 400 || status === 413) problem(res, status, 'invalid-body', 'The request body was not accepted', message);
    else problem(res, 422, 'undecodable-payload', 'A payload could not be processed', message);
  });
  return router;
}
