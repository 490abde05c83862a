import { maskAccount, maskPhone } from './mask';

/**
 * Masks personal data in free text (log lines, error messages) before it leaves the process.
 * It errs towards masking: a 13-digit epoch timestamp looks like an account number and is
 * masked too. Patterns are applied most specific first so a phone is not taken for an account.
 */
// A digit run glued to letters or other digits is part of an identifier, not a value.
const NOT_AFTER = String.raw`(?<![\w+])`;
const NOT_BEFORE = String.raw`(?![\w])`;

const PHONE_PATTERNS = [
  // Taiwanese mobiles: 0912345678, 0912-345-678, +886 912 345 678, 886912345678
  String.raw`(?:\+?886[\s-]?|0)9\d{2}[\s-]?\d{3}[\s-]?\d{3}`,
  // Taiwanese landlines written with separators: 02-2345-6789, (02) 2345 6789
  String.raw`(?:\(0\d{1,2}\)\s?|0\d{1,2}-)\d{3,4}[\s-]?\d{4}`,
  // Other international numbers: +81 90-1234-5678
  String.raw`\+\d{1,3}(?:[\s-]?\d{1,4}){2,5}`,
];
const PHONE = new RegExp(`${NOT_AFTER}(?:${PHONE_PATTERNS.join('|')})${NOT_BEFORE}`, 'g');

/** Bank accounts: at least this many digits, optionally grouped with dashes (812-0012-3456-7890). */
const ACCOUNT_MIN_DIGITS = 10;
const ACCOUNT = new RegExp(`${NOT_AFTER}\\d(?:-?\\d){${ACCOUNT_MIN_DIGITS - 1},}${NOT_BEFORE}`, 'g');

/** One-time passwords are six digits standing alone (not part of a decimal, time or date). */
const OTP = /(?<![\w.:/,+-])\d{6}(?![\w:/-]|[.,]\d)/g;

export function redact(text: string): string {
  return text
    .replace(PHONE, (match) => maskPhone(match))
    .replace(ACCOUNT, (match) => maskAccount(match))
    .replace(OTP, '******');
}
