import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/**
 * The Temporal codec server protocol, so operators can read decrypted payloads in the Web UI:
 * `POST {base}/decode` and `{base}/encode` with `{payloads:[{metadata:{k: base64}, data: base64}]}`.
 * The UI calls it from the operator's browser, hence CORS for the UI's origin; decrypted data
 * is personal data, hence a bearer token per operator, compared in constant time.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Operator bearer tokens; an empty list refuses everyone. */
  operatorTokens: readonly string[];
  /** Browser origins of the Temporal UI allowed to call (e.g. http://localhost:8233). */
  allowedOrigins: readonly string[];
  /** Where the endpoints live; the UI's "codec endpoint" setting is this path's URL. */
  basePath?: string;
}

/** Temporal limits one payload to 2 MiB; a batch of a few fits in this. */
const CODEC_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOADS_PER_REQUEST = 1000;
const PREFLIGHT_CACHE_SECONDS = 600;
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

/** Digests first, so the comparison neither short-circuits nor depends on token lengths. */
function operatorCheck(tokens: readonly string[]): (presented: string) => boolean {
  const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();
  const known = tokens.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let match = false;
    for (const token of known) match = timingSafeEqual(token, candidate) || match;
    return match;
  };
}

export function codecRouter(options: CodecServerOptions): Router {
  const base = (options.basePath ?? '/codec').replace(/\/$/, '');
  const isOperator = operatorCheck(options.operatorTokens);
  const router = express.Router();

  router.use(base, (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && options.allowedOrigins.includes(origin)) {
      res.vary('Origin');
      res.setHeader('Access-Control-Allow-Origin', origin);
      // The UI's "include cross-origin credentials" option needs this.
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_CACHE_SECONDS));
    }
    // Browsers send preflights without credentials: answer them before the token check.
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.use(base, (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      problem(res, 401, 'unauthenticated', 'An operator bearer token is required');
      return;
    }
    if (!isOperator(match[1])) {
      problem(res, 403, 'forbidden', 'This token may not decode payloads');
      return;
    }
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
