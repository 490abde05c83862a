import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem } from './problem';

/**
 * Checks every JSON API request passes before any route sees it, so no input reaches
 * PostgreSQL or Temporal in a form they would fail on (a 5xx) instead of refusing (a 4xx):
 * bodies are JSON or nothing, strings are well-formed Unicode without NUL, and an operation
 * that takes no body gets none.
 */
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const BODY_WALK_MAX_NODES = 100_000;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A body that is not JSON is refused, whatever the route (415), instead of being read as "no body". */
export const requireJsonBodies: RequestHandler = (req, _res, next) => {
  if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD') return next();
  if (!JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) {
    return next(new HttpProblem(415, 'unsupported-media-type', 'the body must be application/json'));
  }
  next();
};

/**
 * PostgreSQL refuses NUL in text and lone surrogates are not Unicode: both are refused here
 * (422) rather than failing in a query. C0 controls other than tab, newline and carriage
 * return have no business in any field either.
 */
export const refuseUnsafeStrings: RequestHandler = (req, _res, next) => {
  const path = unsafeStringPath(req.body);
  if (path !== undefined)
    return next(
      new HttpProblem(422, 'invalid-characters', `${path || 'body'}: contains a control character or is not well-formed Unicode`),
    );
  next();
};

function unsafeStringPath(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  for (let seen = 0; stack.length > 0; seen += 1) {
    if (seen > BODY_WALK_MAX_NODES) return '(too many values)';
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!isSafeText(value)) return path;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        if (!isSafeText(key)) return path ? `${path}.(key)` : '(key)';
        stack.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isSafeText(text: string): boolean {
  return !CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

/** For operations that take no body: an empty JSON object or nothing at all. */
export const refuseBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) return next(new HttpProblem(422, 'unexpected-body', 'this call takes no body'));
  next();
};

/** Route parameters that must match a pattern or be "no such thing" (404), checked before any lookup. */
export function paramPattern(name: string, pattern: RegExp, what: string): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!pattern.test(String(req.params[name]))) return next(new HttpProblem(404, 'not-found', `no such ${what}`));
    next();
  };
}

/** A LINE user id: U and 32 lowercase hex digits. */
export const LINE_USER_ID_PATTERN = /^U[0-9a-f]{32}$/;

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_URI_TOO_LONG: 414,
};

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers or URL too large,
 * malformed request lines) are answered as problem+json too, then the connection is closed.
 */
export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
    const body = JSON.stringify({
      type: `https://escrow.example/problems/${status === 431 ? 'headers-too-large' : status === 414 ? 'uri-too-long' : 'bad-request'}`,
      title: status === 431 ? 'headers too large' : status === 414 ? 'uri too long' : 'bad request',
      status,
      detail: 'the request could not be read as HTTP',
    });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 414 ? 'URI Too Long' : 'Bad Request'}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
