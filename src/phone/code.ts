import { createHmac } from 'node:crypto';

/**
 * Binding codes: six random digits (the OTP generator), kept only as a keyed hash bound to
 * their verification, so a leaked table row proves nothing and a code never works for another
 * verification.
 */
export { generateOtp as generatePhoneCode, proofsMatch as phoneCodeHashesMatch } from '../otp/otp';

export function phoneCodeHash(secret: string, verificationId: string, code: string): string {
  return createHmac('sha256', secret).update(`phone-binding:${verificationId}:${code.trim()}`).digest('hex');
}
