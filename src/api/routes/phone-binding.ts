import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { Settings } from '../../config/settings';
import { fieldKeyRingFromEnv, normalisePhone, NormaliseError } from '../../crypto';
import {
  completePhoneVerification,
  phoneBindingView,
  startPhoneVerification,
  type CapRefusal,
  type PhoneVerificationDeps,
} from '../../phone';
import { createSmsSender } from '../../sms';
import { HttpProblem } from '../problem';

/**
 * S404–S405: bind a phone by proving it. POST /api/phone-binding texts a code to the number
 * (202); POST /api/phone-binding/verification with that code writes the binding (201). Refusals
 * say why and, for the caps, when to come back (Retry-After).
 */
const phoneSchema = z.object({ phone: z.string().trim().min(6).max(32) }).strict();
const codeSchema = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'the code has 6 digits'),
  })
  .strict();

const DAY_MS = 24 * 60 * 60 * 1000;
/** When the provider gives no Retry-After, a person can try again this soon. */
const SMS_RETRY_AFTER_SECONDS = 30;

function retryLater(res: Response, seconds: number): void {
  res.setHeader('Retry-After', String(Math.ceil(seconds)));
}

function capProblem(res: Response, refusal: CapRefusal, now: Date): HttpProblem {
  const retryAt = new Date(now.getTime() + refusal.retryAfterMs).toISOString();
  retryLater(res, refusal.retryAfterMs / 1000);
  if (refusal.outcome === 'binding_limit') {
    const windowDays = Math.max(1, Math.round(refusal.windowMs / DAY_MS));
    return new HttpProblem(
      429,
      'phone-binding-limit',
      `you have bound ${refusal.bound} phone numbers within ${windowDays} days, the most allowed; you can bind another after ${retryAt}`,
      { bound: refusal.bound, windowDays, retryAt },
    );
  }
  return new HttpProblem(
    429,
    'phone-code-limit',
    refusal.scope === 'user'
      ? `too many codes requested; try again after ${retryAt}`
      : `too many codes were sent to this number; try again after ${retryAt}`,
    { scope: refusal.scope, retryAt },
  );
}

export function phoneBindingRoutes(deps: { knex: Knex; settings: Settings; user: RequestHandler }): Router {
  const router = Router();
  const { sms } = deps.settings;
  const phone: PhoneVerificationDeps = {
    knex: deps.knex,
    sms: createSmsSender({ baseUrl: sms.baseUrl, apiKey: sms.apiKey, apiSecret: sms.apiSecret, sender: sms.sender }),
    hashSecret: deps.settings.secrets.hashSecret,
    fieldKeys: fieldKeyRingFromEnv(process.env),
    policy: sms.phoneVerification,
    virtualPrefixes: deps.settings.virtualPhonePrefixes,
  };

  router.get('/api/phone-binding', deps.user, async (_req, res) => {
    res.json(await phoneBindingView(deps.knex, res.locals.userId));
  });

  router.post('/api/phone-binding', deps.user, async (req, res) => {
    const body = phoneSchema.parse(req.body);
    let e164: string;
    try {
      e164 = normalisePhone(body.phone);
    } catch (err) {
      if (err instanceof NormaliseError)
        throw new HttpProblem(422, 'invalid-phone', err.message, { errors: [{ field: 'phone', message: err.message }] });
      throw err;
    }
    const now = new Date();
    const result = await startPhoneVerification({ ...phone, now: () => now }, { userId: res.locals.userId, phoneE164: e164 });
    switch (result.outcome) {
      case 'code_sent':
        return void res
          .status(202)
          .json({ status: 'code_sent', phone: result.phone, expiresAt: result.expiresAt.toISOString(), attemptsLeft: result.attemptsLeft });
      case 'already_bound':
        return void res.status(200).json({ status: 'already_bound', phone: result.phone });
      case 'sms_unavailable':
        retryLater(res, result.retryAfterSeconds ?? SMS_RETRY_AFTER_SECONDS);
        throw new HttpProblem(
          503,
          'sms-unavailable',
          'we could not send the text message just now; nothing was bound, please try again shortly',
        );
      case 'sms_refused':
        throw new HttpProblem(422, 'phone-unreachable', 'the SMS provider cannot deliver to this number; check it or use another', {
          errors: [{ field: 'phone', message: 'cannot receive text messages' }],
        });
      default:
        throw capProblem(res, result, now);
    }
  });

  router.post('/api/phone-binding/verification', deps.user, async (req, res) => {
    const body = codeSchema.parse(req.body);
    const now = new Date();
    const result = await completePhoneVerification({ ...phone, now: () => now }, { userId: res.locals.userId, code: body.code });
    switch (result.outcome) {
      case 'bound':
        return void res.status(201).json({ status: 'bound', phone: result.phone });
      case 'already_bound':
        return void res.status(200).json({ status: 'already_bound', phone: result.phone });
      case 'wrong_code':
        throw new HttpProblem(422, 'wrong-code', `wrong code; ${result.attemptsLeft} tries left`, {
          attemptsLeft: result.attemptsLeft,
          errors: [{ field: 'code', message: `wrong code; ${result.attemptsLeft} tries left` }],
        });
      case 'locked':
        throw new HttpProblem(423, 'verification-locked', 'too many wrong codes: this code no longer works; ask for a new code');
      case 'expired':
        throw new HttpProblem(410, 'code-expired', 'the code has expired; ask for a new one');
      case 'no_pending':
        throw new HttpProblem(409, 'no-pending-verification', 'no code is waiting for this account; send your phone number first');
      default:
        throw capProblem(res, result, now);
    }
  });

  return router;
}
