import { createHmac } from 'node:crypto';
import { signPayload, verifySignedPayload } from '../../src/payment/signature';

const SECRET = 'whsec_unit';
const BODY = '{"id":"evt_1"}';
const NOW = 1_700_000_000;

test('the header is t=<seconds>,v1=HMAC-SHA256(secret, "t.body") in hex', () => {
  const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
  expect(signPayload(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  expect(verifySignedPayload(SECRET, Buffer.from(BODY), signPayload(SECRET, BODY, NOW), 300, NOW)).toEqual({
    ok: true,
    timestampSeconds: NOW,
  });
});

test('the tolerance applies both ways around now', () => {
  const header = signPayload(SECRET, BODY, NOW);
  expect(verifySignedPayload(SECRET, BODY, header, 300, NOW + 300).ok).toBe(true);
  expect(verifySignedPayload(SECRET, BODY, header, 300, NOW + 301)).toEqual({ ok: false, reason: 'stale-timestamp' });
  expect(verifySignedPayload(SECRET, BODY, header, 300, NOW - 301)).toEqual({ ok: false, reason: 'stale-timestamp' });
});

test('a rotated secret: any matching v1 entry is accepted', () => {
  const oldSig = signPayload('whsec_old', BODY, NOW).split('v1=')[1];
  const newSig = signPayload(SECRET, BODY, NOW).split('v1=')[1];
  expect(verifySignedPayload(SECRET, BODY, `t=${NOW},v1=${oldSig},v1=${newSig}`, 300, NOW).ok).toBe(true);
  expect(verifySignedPayload(SECRET, BODY, `t=${NOW},v1=${oldSig}`, 300, NOW)).toEqual({ ok: false, reason: 'signature-mismatch' });
});

test.each([
  ['empty', ''],
  ['no timestamp', 'v1=abcd'],
  ['no signature', `t=${NOW}`],
  ['non-numeric timestamp', 't=soon,v1=ab'],
  ['two timestamps', `t=${NOW},t=${NOW},v1=ab`],
  ['garbage', 'hello'],
])('a malformed header (%s) is refused', (_name, header) => {
  expect(verifySignedPayload(SECRET, BODY, header, 300, NOW)).toEqual({ ok: false, reason: 'malformed-header' });
});

test('a signature of the wrong length or alphabet is a mismatch, not a crash', () => {
  expect(verifySignedPayload(SECRET, BODY, `t=${NOW},v1=abc`, 300, NOW)).toEqual({ ok: false, reason: 'signature-mismatch' });
  expect(verifySignedPayload(SECRET, BODY, `t=${NOW},v1=${'z'.repeat(64)}`, 300, NOW)).toEqual({ ok: false, reason: 'signature-mismatch' });
});
