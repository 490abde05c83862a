import { POSTBACK_DATA_MAX_CHARS } from '../../src/line/limits';
import { InvalidPostback, POSTBACK_ACTIONS, decodePostback, encodePostback } from '../../src/line/render';

describe('postback codec', () => {
  it.each(POSTBACK_ACTIONS)('round-trips %s for transaction codes and workflow ids', (action) => {
    for (const transactionCode of ['TX-7K3M-Q9PZ', 'order:01HZY3M8Q2V6T9XK4C7N5B1DWE', 'o_1']) {
      const data = encodePostback({ action, transactionCode });
      expect(data.length).toBeLessThanOrEqual(POSTBACK_DATA_MAX_CHARS);
      expect(decodePostback(data)).toEqual({ action, transactionCode });
    }
  });

  it('writes the documented shape', () => {
    expect(encodePostback({ action: 'agree', transactionCode: 'TX-7K3M-Q9PZ' })).toBe('action=agree&order=TX-7K3M-Q9PZ');
  });

  it("keeps the longest allowed id within LINE's 300 characters", () => {
    const transactionCode = `order:${'Z'.repeat(122)}`;
    expect(decodePostback(encodePostback({ action: 'resend_otp', transactionCode }))).toEqual({ action: 'resend_otp', transactionCode });
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodePostback({ action: 'refund' as never, transactionCode: 'TX-1' })).toThrow(InvalidPostback);
    expect(() => encodePostback({ action: 'agree', transactionCode: '' })).toThrow(InvalidPostback);
    expect(() => encodePostback({ action: 'agree', transactionCode: 'a&action=dispute' })).toThrow(InvalidPostback);
    expect(() => encodePostback({ action: 'agree', transactionCode: 'x'.repeat(129) })).toThrow(InvalidPostback);
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
    ['unknown action', 'action=refund&order=TX-1'],
    ['missing order', 'action=agree'],
    ['missing action', 'order=TX-1'],
    ['repeated key', 'action=agree&action=dispute&order=TX-1'],
    ['extra key', 'action=agree&order=TX-1&admin=1'],
    ['bad id characters', 'action=agree&order=TX%201%3Cscript%3E'],
    ['empty id', 'action=agree&order='],
    ['too long', `action=agree&order=${'A'.repeat(300)}`],
    ['json', '{"action":"agree","order":"TX-1"}'],
    ['escaped separator smuggled in the id', 'action=agree&order=TX-1%26action%3Ddispute'],
  ])('refuses garbage: %s', (_name, data) => {
    expect(decodePostback(data)).toBeNull();
  });
});
