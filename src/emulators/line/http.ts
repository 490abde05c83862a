import type { NextFunction, Request, Response } from 'express';
import { newRequestId } from './ids';
import type { ErrorDetail } from './validate';

export const REQUEST_ID_HEADER = 'x-line-request-id';

/** Every Messaging API answer, success or not, carries a fresh x-line-request-id. */
export function assignRequestId(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(REQUEST_ID_HEADER, newRequestId());
  next();
}

export function requestIdOf(res: Response): string {
  return String(res.getHeader(REQUEST_ID_HEADER));
}

/** LINE's Messaging API error body: {message, details?}. */
export function lineError(res: Response, status: number, message: string, details?: ErrorDetail[]): void {
  res.status(status).json(details && details.length > 0 ? { message, details } : { message });
}

export function validationError(res: Response, details: ErrorDetail[]): void {
  lineError(res, 400, `The request body has ${details.length} error(s)`, details);
}

/** LINE Login's OAuth error body: {error, error_description}. */
export function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

export function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1]?.trim();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
