import {
  BankCenterRefused,
  BankCenterUnavailable,
  createBankCenter,
  parseBankCenterEvent,
  type BankCenter,
  type VerificationInput,
} from '../../src/bankcenter';
import { startBankCenterEmulator, type BankCenterEmulatorState } from '../../src/emulators/bankcenter';
import type { EmulatorHandle } from '../../src/emulators/http-util';
import { InvalidWebhook } from '../../src/payment';
import { TEST_API_KEY, TEST_WEBHOOK_SECRET, rejectionOf, startReceiver, waitFor, type Receiver } from './helpers';

const ALICE = { bankCode: '812', accountNumber: '1234567890', holderName: 'Alice Chen', expectedCode: '246810' };
const FROZEN = { bankCode: '700', accountNumber: '000111222333', expectedCode: '1111', frozen: true };

let emulator: EmulatorHandle<BankCenterEmulatorState>;
let receiver: Receiver;
let center: BankCenter;

beforeEach(async () => {
  receiver = await startReceiver();
  emulator = await startBankCenterEmulator({
    apiKey: TEST_API_KEY,
    webhookSecret: TEST_WEBHOOK_SECRET,
    outcomeDelayMs: 10,
    accounts: [ALICE, FROZEN],
  });
  center = createBankCenter({ baseUrl: emulator.baseUrl, apiKey: TEST_API_KEY });
});

afterEach(async () => {
  await emulator.close();
  await receiver.close();
});

function input(overrides: Partial<VerificationInput> = {}): VerificationInput {
  return {
    bankCode: ALICE.bankCode,
    accountNumber: ALICE.accountNumber,
    holderName: ALICE.holderName,
    verificationCode: ALICE.expectedCode,
    callbackUrl: receiver.url,
    reference: 'wallet-activation:U123',
    ...overrides,
  };
}

/** Starts a verification and returns its id and the verified callback event. */
async function verify(overrides: Partial<VerificationInput>, key: string) {
  const accepted = await center.startVerification(input(overrides), key);
  await waitFor(() => receiver.received.length >= 1, 'the callback');
  const { rawBody, signature } = receiver.received[0];
  return { accepted, event: parseBankCenterEvent(rawBody, signature, TEST_WEBHOOK_SECRET) };
}

test('the right code for a registered account succeeds', async () => {
  const { accepted, event } = await verify({ holderName: '  alice   CHEN ' }, 'k-ok');
  expect(accepted).toEqual({ id: expect.stringMatching(/^ver_/), status: 'pending' });
  expect(event).toEqual({
    id: expect.stringMatching(/^evt_/),
    type: 'verification.succeeded',
    created: expect.any(Number),
    data: { verificationId: accepted.id, reference: 'wallet-activation:U123' },
  });
  const stored = await center.getVerification(accepted.id);
  expect(stored).toMatchObject({ status: 'succeeded', bankCode: '812', accountNumberLast4: '7890' });
  expect(JSON.stringify(stored)).not.toContain(ALICE.accountNumber);
});

test.each([
  { name: 'a wrong code', overrides: { verificationCode: '999999' }, reason: 'code_mismatch' },
  { name: 'an unknown account', overrides: { accountNumber: '5555555555' }, reason: 'account_not_found' },
  { name: 'a registered account at another bank', overrides: { bankCode: '013' }, reason: 'account_not_found' },
  {
    name: 'a frozen account',
    overrides: { bankCode: FROZEN.bankCode, accountNumber: FROZEN.accountNumber, verificationCode: FROZEN.expectedCode },
    reason: 'account_frozen',
  },
  { name: 'a different holder name', overrides: { holderName: 'Mallory' }, reason: 'holder_name_mismatch' },
])('$name fails with $reason', async ({ overrides, reason }) => {
  const { accepted, event } = await verify(overrides, `k-${reason}`);
  expect(event).toMatchObject({ type: 'verification.failed', data: { verificationId: accepted.id, reason } });
  expect(await center.getVerification(accepted.id)).toMatchObject({ status: 'failed', reason });
});

test('accounts can be frozen at run time', async () => {
  emulator.state.accounts.get(`${ALICE.bankCode}:${ALICE.accountNumber}`)!.frozen = true;
  const { event } = await verify({}, 'k-frozen-now');
  expect(event).toMatchObject({ type: 'verification.failed', data: { reason: 'account_frozen' } });
});

test('the same key twice starts one verification', async () => {
  const first = await center.startVerification(input(), 'k-same');
  const second = await center.startVerification(input(), 'k-same');
  expect(second.id).toBe(first.id);
  expect(emulator.state.verifications.size).toBe(1);
  await expect(center.startVerification(input({ verificationCode: '000000' }), 'k-same')).rejects.toMatchObject({
    status: 409,
    code: 'idempotency-key-reuse',
  });
});

test.each([
  ['a 4-digit bank code', { bankCode: '8120' }],
  ['a 5-digit account number', { accountNumber: '12345' }],
  ['a 17-digit account number', { accountNumber: '12345678901234567' }],
  ['letters in the account number', { accountNumber: '12345678AB' }],
  ['an empty holder name', { holderName: '   ' }],
  ['a non-http callback', { callbackUrl: 'ftp://example.com/cb' }],
])('%s is refused with 400', async (_name, overrides) => {
  const error = await rejectionOf(center.startVerification(input(overrides), 'k-bad'));
  expect(error).toBeInstanceOf(BankCenterRefused);
  expect(error).toMatchObject({ status: 400, code: 'validation-error' });
});

test('an injected 503 is BankCenterUnavailable', async () => {
  emulator.state.faults.set({ failNext: 1, status: 503 });
  await expect(center.startVerification(input(), 'k-503')).rejects.toBeInstanceOf(BankCenterUnavailable);
  await expect(center.startVerification(input(), 'k-503')).resolves.toMatchObject({ status: 'pending' });
});

test('a callback signed with another secret is refused', async () => {
  await center.startVerification(input(), 'k-secret');
  await waitFor(() => receiver.received.length >= 1, 'the callback');
  const { rawBody, signature } = receiver.received[0];
  expect(() => parseBankCenterEvent(rawBody, signature, 'whsec_not_ours_at_all')).toThrow(InvalidWebhook);
});
