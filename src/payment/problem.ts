/**
 * RFC 9457 problem details as our outside services send them. The `type` is a URI; its last
 * path segment is the stable machine code (`idempotency-key-reuse`, `card_declined`, ...).
 */
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Where the emulators root their problem type URIs; real providers document their own. */
export const PROBLEM_TYPE_BASE = 'https://errors.emulator.invalid/problems/';

export const problemSchema = z
  .object({
    type: z.string().default('about:blank'),
    title: z.string().default(''),
    status: z.number().int().optional(),
    detail: z.string().optional(),
  })
  .passthrough();
export type Problem = z.infer<typeof problemSchema>;

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code}`;
}

/** `https://…/problems/card_declined` → `card_declined`; `about:blank` → `about:blank`. */
export function problemCode(type: string): string {
  const slash = type.lastIndexOf('/');
  return slash >= 0 ? type.slice(slash + 1) : type;
}
