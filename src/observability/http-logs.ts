import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import { logger } from './logger';

/** Probes and scrapes come every few seconds; a line each would bury the requests people make. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const REQUEST_ID = /^[\w.:-]{1,64}$/;
const PAYMENT_CODE_IN_PATH = /\/orders\/([0-9A-HJKMNP-TV-Z]{26})(?:\/|$)/;
const PAYOUT_IN_PATH = /\/payouts\/([\w:-]{1,80})(?:\/|$)/;

function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  // The query string can carry codes and states (LINE Login, OIDC callbacks): never logged.
  return (req.originalUrl ?? req.url ?? '/').split('?')[0]!;
}

/** The ids in a request's path that let an operator follow one deal or payout across lines. */
export function idsInPath(path: string): { paymentCode?: string; payoutId?: string } {
  const paymentCode = PAYMENT_CODE_IN_PATH.exec(path)?.[1];
  const payoutId = PAYOUT_IN_PATH.exec(path)?.[1];
  return { ...(paymentCode ? { paymentCode } : {}), ...(payoutId ? { payoutId } : {}) };
}

/**
 * pino-http for the api: one line per request with its id (the caller's X-Request-Id when it is a
 * plain token, else a new UUID, echoed back), method, path without query, status, time taken, and
 * the payment code or payout id in the path. Headers and bodies are never logged.
 */
export function httpLogs() {
  return pinoHttp({
    logger: logger('api'),
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req)) },
    customAttributeKeys: { reqId: 'requestId' },
    // Every line a handler writes through req.log carries the request id; the closing line also method, path and ids.
    quietReqLogger: true,
    wrapSerializers: false,
    customProps: (req) => idsInPath(pathOf(req)),
    // A refused request is the caller's business (info); a 5xx is ours (error).
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ method: req.method, path: pathOf(req) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
  });
}
