import { NormaliseError, normalisePhone } from './normalise';

/**
 * Masked forms for logs, chat messages and support screens: enough to recognise one's own
 * number, never enough to use it. The masks have a fixed width so they do not leak length.
 */
const VISIBLE_TAIL_DIGITS = 4;
const HIDDEN = '****';

function lastDigits(value: string): string {
  return value.replace(/\D/g, '').slice(-VISIBLE_TAIL_DIGITS);
}

/** `0912-345-678` → `+886****5678`. */
export function maskPhone(input: string): string {
  let e164: string;
  try {
    e164 = normalisePhone(input);
  } catch (err) {
    if (!(err instanceof NormaliseError)) throw err;
    return `${HIDDEN}${lastDigits(input)}`;
  }
  // Keep the country code (Taiwan's is three digits; others shown as their first two).
  const countryCode = e164.startsWith('+886') ? '+886' : e164.slice(0, 3);
  return `${countryCode}${HIDDEN}${lastDigits(e164)}`;
}

/** Any account number → `***-****1234`. */
export function maskAccount(input: string): string {
  return `***-${HIDDEN}${lastDigits(input)}`;
}

/** Identifiers (LINE user ids, order numbers): `Uab…` → `Ua****cdef`; short ones fully hidden. */
const IDENTIFIER_VISIBLE_HEAD = 2;
export function maskIdentifier(input: string): string {
  const value = input.trim();
  if (value.length <= IDENTIFIER_VISIBLE_HEAD + VISIBLE_TAIL_DIGITS * 2) return HIDDEN;
  return `${value.slice(0, IDENTIFIER_VISIBLE_HEAD)}${HIDDEN}${value.slice(-VISIBLE_TAIL_DIGITS)}`;
}
