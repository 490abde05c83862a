import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Payment verification codes (S112–S115). The code exists in clear only on its way to the
 * buyer; we keep a keyed proof of it, and the api turns what the buyer typed into the same
 * proof before it reaches the workflow, so no code is ever in workflow history.
 */
export const OTP_DIGITS = 6;

/** A random code, for checks made outside workflows (phone binding through the api). */
export function generateOtp(): string {
  return String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

/**
 * The code of one challenge, derived from the secret and the challenge id: a retried or re-run
 * activity sends the same code (and the same message), while without the secret a code is as
 * unpredictable as a random one. Uniform enough: 2^64 folded onto 10^6 has a bias below 1e-13.
 */
export function challengeOtp(secret: string, challengeId: string): string {
  const digest = createHmac('sha256', secret).update(`otp-code:${challengeId}`).digest();
  return String(digest.readBigUInt64BE(0) % BigInt(10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

export function otpProof(secret: string, subject: string, userId: string, code: string): string {
  return createHmac('sha256', secret).update(`otp:${subject}:${userId}:${code.trim()}`).digest('hex');
}

export function proofsMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
