import * as conventions from '../../src/emulators/provider-conventions';
import * as emulatorPayment from '../../src/emulators/payment/contract';
import * as emulatorBankCenter from '../../src/emulators/bankcenter/contract';
import * as productBankCenter from '../../src/bankcenter/contract';
import { CURRENCIES, formatMoney } from '../../src/domain/money';
import { randomCode } from '../../src/domain/ids';
import * as product from '../../src/payment';

/**
 * The product's beliefs about its providers (src/payment, src/bankcenter) against what the
 * emulators state on their own (src/emulators/*): where they disagree, the product is wrong about
 * the outside world, or the emulator is. The requests themselves meet in payment.test.ts,
 * payout.test.ts, bankcenter.test.ts and test/checkout.
 */
describe('our clients and the provider emulators agree', () => {
  it('on the callback signature, byte for byte, both ways', () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', created: 1_700_000_000, data: { amountMinor: 900 } });
    const t = 1_700_000_123;
    expect(conventions.signCallback('secret-0123456789', body, t)).toBe(product.signPayload('secret-0123456789', body, t));
    expect(product.verifySignedPayload('secret-0123456789', body, conventions.signCallback('secret-0123456789', body, t), 300, t)).toEqual({
      ok: true,
      timestampSeconds: t,
    });
    expect(product.SIGNATURE_HEADER.toLowerCase()).toBe(conventions.SIGNATURE_HEADER.toLowerCase());
    expect(product.DEFAULT_SIGNATURE_TOLERANCE_SECONDS).toBe(conventions.SIGNATURE_TOLERANCE_SECONDS);
  });

  it("on Idempotency-Key: our keys fit the provider's limit", () => {
    expect(product.IDEMPOTENCY_KEY_HEADER.toLowerCase()).toBe(conventions.IDEMPOTENCY_KEY_HEADER.toLowerCase());
    expect(product.IDEMPOTENCY_KEY_MAX_CHARS).toBeLessThanOrEqual(conventions.IDEMPOTENCY_KEY_MAX_CHARS);
    expect(product.checkoutIdempotencyKey(randomCode(), 999).length).toBeLessThanOrEqual(conventions.IDEMPOTENCY_KEY_MAX_CHARS);
  });

  it('on currencies and their minor units: every currency we sell in, the provider settles in the same unit', () => {
    // Our unit is what formatMoney shows for one minor unit: "TWD 1" (whole dollars) or "USD 0.01".
    const ourDigits = (currency: (typeof CURRENCIES)[number]) => formatMoney(1, currency).split('.')[1]?.length ?? 0;
    for (const currency of CURRENCIES) {
      expect(conventions.PROVIDER_CURRENCIES).toContain(currency);
      expect([currency, conventions.CURRENCY_MINOR_DIGITS[currency]]).toEqual([currency, ourDigits(currency)]);
    }
  });

  it('on payment source types: every one we offer, the provider takes', () => {
    expect(product.PAYMENT_SOURCE_TYPES.filter((type) => !emulatorPayment.PAYMENT_SOURCE_TYPES.includes(type))).toEqual([]);
  });

  it('on hosted checkout: reference rule, methods, ATM currencies, lifetimes, description, languages', () => {
    expect(product.CHECKOUT_REFERENCE_PATTERN.source).toBe(emulatorPayment.CHECKOUT_REFERENCE_PATTERN.source);
    for (let i = 0; i < 50; i += 1) expect(randomCode()).toMatch(emulatorPayment.CHECKOUT_REFERENCE_PATTERN);
    expect([...product.CHECKOUT_PAYMENT_METHODS]).toEqual([...emulatorPayment.CHECKOUT_PAYMENT_METHODS]);
    expect([...product.ATM_CURRENCIES]).toEqual([...emulatorPayment.ATM_CURRENCIES]);
    expect(product.CHECKOUT_MIN_LIFETIME_SECONDS).toBeGreaterThanOrEqual(emulatorPayment.SESSION_MIN_LIFETIME_SECONDS);
    expect(product.CHECKOUT_MAX_LIFETIME_SECONDS).toBeLessThanOrEqual(emulatorPayment.SESSION_MAX_LIFETIME_SECONDS);
    expect(product.CHECKOUT_DESCRIPTION_MAX_CHARS).toBeLessThanOrEqual(emulatorPayment.DESCRIPTION_MAX_CHARS);
    expect([...product.CHECKOUT_LANGUAGES]).toEqual([...emulatorPayment.CHECKOUT_LANGUAGES]);
  });

  it('on Taiwan bank accounts: what we send, the bank center takes, and the reverse', () => {
    const samples = ['812', '82', '8123', 'abc', '00012345678901', '12345', '12345678901234567', '0099887766'];
    for (const value of samples) {
      expect([value, productBankCenter.bankCodeSchema.safeParse(value).success]).toEqual([
        value,
        conventions.bankCodeSchema.safeParse(value).success,
      ]);
      expect([value, productBankCenter.accountNumberSchema.safeParse(value).success]).toEqual([
        value,
        conventions.accountNumberSchema.safeParse(value).success,
      ]);
      expect([value, productBankCenter.verificationCodeSchema.safeParse(value).success]).toEqual([
        value,
        emulatorBankCenter.verificationCodeSchema.safeParse(value).success,
      ]);
    }
    expect(productBankCenter.HOLDER_NAME_MAX_CHARS).toBeLessThanOrEqual(conventions.HOLDER_NAME_MAX_CHARS);
  });
});
