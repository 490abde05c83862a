import { logger, setLogDestination, setLogLevel, temporalLogger } from '../../src/observability/logger';
import { idsInPath } from '../../src/observability/http-logs';

/** The redaction layer itself: raw personal data handed to a logger leaves masked or censored. */
describe('the log stream', () => {
  const lines: string[] = [];
  beforeAll(() => {
    setLogLevel('debug');
    setLogDestination({ write: (line: string) => lines.push(line) });
  });
  afterAll(() => {
    setLogDestination(undefined);
    setLogLevel('warn');
  });

  it('masks phones, accounts and codes in text and censors secret-named fields', () => {
    logger('test').info(
      {
        paymentCode: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        phone: '0912345678',
        note: 'texted 0912-345-678 the code 482913',
        nested: { accountNumber: '81200123456789', idToken: 'eyJhbGciOi.payload.sig', authorization: 'Bearer abc' },
      },
      'otp 654321 sent to +886912345678 for account 812-0012-3456-7890',
    );
    temporalLogger().warn('activity failed for 0987654321', { workflowId: 'order:X', apiKey: 'emulator-payment-key' });
    const text = lines.join('');
    for (const clear of [
      '0912345678',
      '912-345-678',
      '482913',
      '81200123456789',
      'eyJhbGciOi',
      'Bearer abc',
      '654321',
      '886912345678',
      '0012-3456-7890',
      '0987654321',
      'emulator-payment-key',
    ])
      expect(text).not.toContain(clear);
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({ level: 'info', component: 'test', paymentCode: '01ARZ3NDEKTSV4RRFFQ69G5FAV', phone: '[redacted]' });
    expect(first.msg).toContain('+886****5678');
    expect(second).toMatchObject({ level: 'warn', component: 'temporal', workflowId: 'order:X', apiKey: '[redacted]' });
  });

  it('finds the payment code and payout id in a request path', () => {
    expect(idsInPath('/api/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/otp')).toEqual({ paymentCode: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(idsInPath('/api/payouts/pyt_0123abcd')).toEqual({ payoutId: 'pyt_0123abcd' });
    expect(idsInPath('/api/links')).toEqual({});
  });
});
