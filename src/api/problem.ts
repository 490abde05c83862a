import type { ErrorRequestHandler, Response } from 'express';
import type { RefusalType } from '../../workflows/refusal';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { ZodError } from 'zod';
import { logger } from '../observability/logger';

const log = logger('api');

/**
 * Every refusal is `application/problem+json` (RFC 9457) with a reason a person can act on.
 * Nothing is written on a refusal: validation runs before any write, and workflow updates are
 * refused by their validators without touching history.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that belong to the refusal (Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({
      type: `https://escrow.example/problems/${code}`,
      title: code.replace(/[-_]/g, ' '),
      status,
      detail,
      ...extra,
    });
}

/** Workflow refusal types (ApplicationFailure.type) and the HTTP status they mean: the compiler refuses a type without one. */
const REFUSAL_STATUS: Record<RefusalType, number> = {
  InvalidInput: 422,
  IllegalStep: 409,
  NotTheBuyer: 403,
  NotTheSeller: 403,
  NotTheOwner: 403,
  BuyerBlocked: 403,
  PasswordLocked: 423,
  WalletLocked: 423,
  SelfDealing: 403,
  OtpLimit: 429,
  UnknownCharge: 409,
  UnknownPayout: 409,
  UnknownVerification: 409,
  SameApprover: 409,
};

function isRefusalType(type: string | undefined): type is RefusalType {
  return type !== undefined && Object.hasOwn(REFUSAL_STATUS, type);
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof HttpProblem) {
    res.set(err.headers);
    return sendProblem(res, err.status, err.code, err.message, err.extra);
  }
  if (err instanceof ZodError) {
    return sendProblem(res, 422, 'invalid-input', err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), {
      errors: err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? undefined;
    // A refusal we know says how; any other failure of the step is a conflict with the order as it stands.
    return isRefusalType(type)
      ? sendProblem(res, REFUSAL_STATUS[type], kebab(type), err.cause.message)
      : sendProblem(res, 409, 'step-failed', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return sendProblem(res, 404, 'not-found', 'no such order or workflow');
  if (err instanceof WorkflowExecutionAlreadyStartedError) return sendProblem(res, 409, 'already-exists', 'this id is already in use');
  if ((err as { type?: string }).type === 'entity.parse.failed')
    return sendProblem(res, 400, 'malformed-json', 'the body is not valid JSON');
  if ((err as { type?: string }).type === 'entity.too.large') return sendProblem(res, 413, 'too-large', 'the body is too large');
  // The router's undecodable path (URIError) and body-parser's other refusals carry their 4xx.
  const status = clientErrorStatus(err);
  if (status !== undefined) {
    if (err instanceof URIError) return sendProblem(res, 400, 'malformed-url', 'the URL is not validly percent-encoded');
    const type = (err as { type?: unknown }).type;
    return sendProblem(
      res,
      status,
      typeof type === 'string' ? type.replace(/\./g, '-') : 'bad-request',
      'the request was refused as malformed',
    );
  }
  (req.log ?? log).error({ err }, 'unexpected error');
  return sendProblem(res, 500, 'internal', 'something went wrong on our side; nothing was changed twice, please retry');
};

function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 500 ? value : undefined;
}

function kebab(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
