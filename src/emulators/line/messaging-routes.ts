import { createHash } from 'node:crypto';
import express, { NextFunction, Request, Response, Router } from 'express';
import { REQUEST_BODY_MAX_BYTES, UUID_PATTERN } from './contract';
import { bearerToken, lineError, requestIdOf, sleep, validationError } from './http';
import type { ResolvedOptions } from './options';
import type { LineEmulatorState } from './state';
import { ErrorDetail, validateMessages } from './validate';

type Json = Record<string, unknown>;

const RETRY_KEY_HEADER = 'x-line-retry-key';
const ACCEPTED_REQUEST_ID_HEADER = 'x-line-accepted-request-id';
/** Push targets: users (U), groups (C) and rooms (R), each followed by 32 hex digits. */
const PUSH_TARGET_PATTERN = /^[UCR][0-9a-f]{32}$/;

const INJECTED_FAILURE_MESSAGES: Record<number, string> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Messaging API routes (https://api.line.me/v2/bot/...), checked as LINE checks them. */
export function messagingRoutes(state: LineEmulatorState, options: ResolvedOptions): Router {
  const router = Router();
  router.use('/v2/bot', requireChannelToken(options), injectFaults(state), jsonBody());
  const validation = { allowLoopbackHttpMedia: options.allowLoopbackHttpMedia };

  // [openapi] getMessageContent (served by api-data.line.me): the bytes of a picture a user sent.
  router.get('/v2/bot/message/:messageId/content', (req, res) => {
    const content = state.content(String(req.params.messageId));
    if (!content) return lineError(res, 404, 'Not found');
    res.set('content-type', content.contentType).send(content.body);
  });

  router.post('/v2/bot/message/push', (req, res) => {
    const retryKey = req.get(RETRY_KEY_HEADER);
    recordAttempt(state, req, res, retryKey);
    if (retryKey !== undefined && !UUID_PATTERN.test(retryKey)) {
      return lineError(res, 400, `The value for the '${RETRY_KEY_HEADER}' header is invalid`);
    }
    if (!state.admitPush(options.pushRatePerSecond)) return lineError(res, 429, 'Too Many Requests');
    const body = req.body as Json;
    if (retryKey !== undefined) {
      const accepted = state.acceptedRetryKey(retryKey.toLowerCase());
      if (accepted) {
        res.setHeader(ACCEPTED_REQUEST_ID_HEADER, accepted.requestId);
        return res.status(409).json({ message: 'The retry key is already accepted', sentMessages: accepted.sentMessages });
      }
    }
    const details = [...checkPushTarget(body), ...validateMessages(body, validation)];
    if (details.length > 0) return validationError(res, details);
    const to = body.to as string;
    // LINE cannot reach an id it never issued; a known user who blocked the bot is silently skipped.
    if (to.startsWith('U') && !state.getUser(to)) return lineError(res, 400, 'Failed to send messages');
    const sentMessages = state.deliver(to, 'push', requestIdOf(res), body.messages as Json[]);
    if (retryKey !== undefined) state.rememberRetryKey(retryKey.toLowerCase(), requestIdOf(res), sentMessages);
    if (state.takeLostResponse()) {
      // Accepted and delivered, but the client never hears back: the case retry keys exist for.
      req.socket.destroy();
      return;
    }
    res.json({ sentMessages });
  });

  router.post('/v2/bot/message/reply', (req, res) => {
    if (req.get(RETRY_KEY_HEADER) !== undefined) {
      return lineError(res, 400, `The '${RETRY_KEY_HEADER}' header is not supported by this endpoint`);
    }
    const body = req.body as Json;
    const details = [...checkReplyToken(body), ...validateMessages(body, validation)];
    if (details.length > 0) return validationError(res, details);
    const userId = state.consumeReplyToken(body.replyToken as string);
    if (!userId) return lineError(res, 400, 'Invalid reply token');
    res.json({ sentMessages: state.deliver(userId, 'reply', requestIdOf(res), body.messages as Json[]) });
  });

  router.post('/v2/bot/message/validate/:kind', (req, res) => {
    if (req.params.kind !== 'push' && req.params.kind !== 'reply') return lineError(res, 404, 'Not found');
    const details = validateMessages(req.body as Json, validation);
    if (details.length > 0) return validationError(res, details);
    res.json({});
  });

  router.get('/v2/bot/profile/:userId', async (req, res) => {
    if (state.faults.profileDelayMs > 0) await sleep(state.faults.profileDelayMs);
    const user = state.getUser(req.params.userId);
    if (!user || !user.friend) return lineError(res, 404, 'Not found');
    const { userId, displayName, pictureUrl, statusMessage, language } = user;
    res.json({ userId, displayName, pictureUrl, statusMessage, language });
  });

  router.get('/v2/bot/info', (_req, res) => {
    res.json({
      userId: options.botUserId,
      basicId: '@emulator',
      displayName: options.botDisplayName,
      chatMode: 'bot',
      markAsReadMode: 'auto',
    });
  });

  return router;
}

/** Records the push once its answer is known, whatever the answer (409, 4xx, 429 included). */
function recordAttempt(state: LineEmulatorState, req: Request, res: Response, retryKey: string | undefined): void {
  const body = req.body as Json;
  const bodySha256 = createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
  const to = typeof body?.to === 'string' ? body.to : '';
  const at = Date.now();
  let recorded = false;
  const record = () => {
    if (recorded) return;
    recorded = true;
    state.recordPushAttempt({ retryKey: retryKey?.toLowerCase(), to, bodySha256, status: res.statusCode, at });
  };
  res.on('finish', record);
  res.on('close', record); // a lost response (fault switch) still counts as an attempt
}

function requireChannelToken(options: ResolvedOptions) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) {
      return lineError(res, 401, 'Authentication failed. Confirm that the access token in the authorization header is valid.');
    }
    if (!options.channelAccessTokens.includes(token)) {
      return lineError(
        res,
        401,
        'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.',
      );
    }
    next();
  };
}

function injectFaults(state: LineEmulatorState) {
  return async (_req: Request, res: Response, next: NextFunction) => {
    if (state.faults.delayMs > 0) await sleep(state.faults.delayMs);
    if (!state.takeInjectedFailure()) return next();
    const status = state.faults.status;
    if (state.faults.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(state.faults.retryAfterSeconds));
    lineError(res, status, INJECTED_FAILURE_MESSAGES[status] ?? 'Internal Server Error');
  };
}

/** JSON only, at most 2 MB, with LINE's answers for the other cases. */
function jsonBody() {
  const parse = express.json({ limit: REQUEST_BODY_MAX_BYTES, type: () => true });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next();
    if (!req.is('application/json')) return lineError(res, 415, 'Unsupported Media Type');
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const status = (err as { status?: number }).status;
      if (status === 413) return lineError(res, 413, 'Request Entity Too Large');
      lineError(res, 400, 'The request body could not be parsed as JSON');
    });
  };
}

function checkPushTarget(body: Json): ErrorDetail[] {
  if (typeof body.to !== 'string' || body.to === '') return [{ property: 'to', message: 'May not be empty' }];
  if (!PUSH_TARGET_PATTERN.test(body.to)) return [{ property: 'to', message: 'Invalid to' }];
  return [];
}

function checkReplyToken(body: Json): ErrorDetail[] {
  return typeof body.replyToken === 'string' && body.replyToken !== '' ? [] : [{ property: 'replyToken', message: 'May not be empty' }];
}
