/**
 * One canonical spelling per key, so hashes of "0912-345-678" and "+886 912 345 678" match.
 * Invalid input throws: a value that cannot be normalised must not silently match nothing.
 */
export class NormaliseError extends Error {
  constructor(
    readonly kind: string,
    reason: string,
  ) {
    super(`${kind}: ${reason}`);
    this.name = 'NormaliseError';
  }
}

const TAIWAN_COUNTRY_CODE = '886';
/** E.164: at most 15 digits after the plus; below 8 nothing is a real subscriber number. */
const E164_MIN_DIGITS = 8;
const E164_MAX_DIGITS = 15;
/** Taiwanese national numbers without the trunk 0: mobiles 9 digits, landlines 8 or 9. */
const TW_NATIONAL_MIN_DIGITS = 8;
const TW_NATIONAL_MAX_DIGITS = 9;
const PHONE_SEPARATORS = /[\s\-().]/g;

/** `0912-345-678` → `+886912345678`; `+81 90 1234 5678` → `+819012345678`. */
export function normalisePhone(input: string): string {
  const compact = input.trim().replace(PHONE_SEPARATORS, '');
  const international = compact.startsWith('+');
  const digits = international ? compact.slice(1) : compact;
  if (!/^\d+$/.test(digits)) throw new NormaliseError('phone', 'may contain only digits, spaces, dashes and a leading +');
  let e164: string;
  if (international || (digits.startsWith(TAIWAN_COUNTRY_CODE) && !digits.startsWith('0'))) {
    e164 = digits;
  } else if (digits.startsWith('0')) {
    const national = digits.slice(1);
    if (national.length < TW_NATIONAL_MIN_DIGITS || national.length > TW_NATIONAL_MAX_DIGITS) {
      throw new NormaliseError(
        'phone',
        `a Taiwanese number has ${TW_NATIONAL_MIN_DIGITS + 1}-${TW_NATIONAL_MAX_DIGITS + 1} digits with its 0`,
      );
    }
    e164 = TAIWAN_COUNTRY_CODE + national;
  } else {
    throw new NormaliseError('phone', 'needs a leading 0 (Taiwan) or a country code');
  }
  if (e164.length < E164_MIN_DIGITS || e164.length > E164_MAX_DIGITS) {
    throw new NormaliseError('phone', `must have ${E164_MIN_DIGITS}-${E164_MAX_DIGITS} digits with the country code`);
  }
  return `+${e164}`;
}

/** Taiwanese bank codes (金融機構代號) are three digits. */
const BANK_CODE_DIGITS = 3;
const ACCOUNT_MIN_DIGITS = 6;
const ACCOUNT_MAX_DIGITS = 16;

/**
 * Bank code followed by the account digits: `812-0012-3456-7890` → `81200123456789`. Pass the
 * bank code separately when a form has it in its own field.
 */
export function normaliseBankAccount(input: string, bankCode?: string): string {
  const strip = (value: string) => value.trim().replace(/[\s-]/g, '');
  const whole = bankCode === undefined ? strip(input) : strip(bankCode) + strip(input);
  if (!/^\d+$/.test(whole)) throw new NormaliseError('bank account', 'may contain only digits, spaces and dashes');
  const accountDigits = whole.length - BANK_CODE_DIGITS;
  if (accountDigits < ACCOUNT_MIN_DIGITS || accountDigits > ACCOUNT_MAX_DIGITS) {
    throw new NormaliseError(
      'bank account',
      `needs a ${BANK_CODE_DIGITS}-digit bank code and ${ACCOUNT_MIN_DIGITS}-${ACCOUNT_MAX_DIGITS} account digits`,
    );
  }
  return whole;
}

/** Identifiers compared exactly (LINE user ids, order numbers): trimmed, no inner whitespace. */
export function normaliseIdentifier(kind: string, input: string): string {
  const value = input.trim();
  if (value === '') throw new NormaliseError(kind, 'is empty');
  if (/\s/.test(value)) throw new NormaliseError(kind, 'must not contain whitespace');
  return value;
}
