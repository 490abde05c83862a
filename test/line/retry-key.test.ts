import { retryKeyFor, uuidV5 } from '../../src/line';
import { batchRetryKey } from '../../src/line/retry-key';

describe('retry keys', () => {
  it('are deterministic RFC 4122 version-5 UUIDs per workflow step', () => {
    const key = retryKeyFor('order-abc', 'S306');
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(retryKeyFor('order-abc', 'S306')).toBe(key);
    expect(retryKeyFor('order-abc', 'S307')).not.toBe(key);
    expect(retryKeyFor('order-abd', 'S306')).not.toBe(key);
  });

  it('match the published v5 test vector (DNS namespace, "www.example.com")', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derive distinct keys for the later requests of a split push, keeping the first', () => {
    const key = retryKeyFor('order-abc', 'S306');
    expect(batchRetryKey(key, 0)).toBe(key);
    expect(new Set([0, 1, 2].map((i) => batchRetryKey(key, i))).size).toBe(3);
    expect(batchRetryKey(key, 1)).toBe(batchRetryKey(key, 1));
  });
});
