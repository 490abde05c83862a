import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Payment verification codes (S112–S115). The code exists in clear only on its way to the
 * buyer; we keep a keyed proof of it, and the api turns what the buyer typed into the same
 * proof before it reaches the workflow, so no code is ever in workflow history.
 */
export const OTP_DIGITS = 6;

export function generateOtp(): string {
  return String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

export function otpProof(secret: string, orderId: string, buyerId: string, code: string): string {
  return createHmac('sha256', secret).update(`otp:${orderId}:${buyerId}:${code.trim()}`).digest('hex');
}

export function proofsMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
