import { randomInt } from 'node:crypto';
import { accountKey, type RegisteredAccount } from '../../src/emulators/bankcenter';
import { providerClearingAccountId, walletAccountId } from '../../src/domain/ids';
import type { DealHarness } from '../support/deal-harness';
import { eventually, type Party } from '../support/deal-steps';

/** Steps of the money-out tests: bank accounts the verification center knows, quick receive, funded wallets. */
const ACCOUNT_DIGITS = 14;

export function emulators(h: DealHarness) {
  if (!h.bankCenter || !h.payouts) throw new Error('this harness has no bank-center or payout emulator');
  return { bankCenter: h.bankCenter, payouts: h.payouts };
}

/** A fresh account the verification center's registry knows (so tests never share one). */
export function registerAccount(h: DealHarness, overrides: Partial<RegisteredAccount> = {}): RegisteredAccount & { holderName: string } {
  let accountNumber = '';
  for (let i = 0; i < ACCOUNT_DIGITS; i += 1) accountNumber += String(randomInt(10));
  const account = {
    bankCode: '812',
    accountNumber,
    holderName: 'Chen Ya Ting',
    expectedCode: String(randomInt(100_000, 1_000_000)),
    ...overrides,
  };
  emulators(h).bankCenter.state.accounts.set(accountKey(account), account);
  return account;
}

export function entryFor(account: RegisteredAccount & { holderName: string }, code = account.expectedCode) {
  return { bankCode: account.bankCode, accountNumber: account.accountNumber, holderName: account.holderName, verificationCode: code };
}

/** POST /api/quick-receive, then poll until the verification center has answered. */
export async function quickReceive(h: DealHarness, party: Party, body: Record<string, unknown>) {
  const first = await h.call('POST', '/api/quick-receive', party.token, body);
  if (first.status !== 200) throw new Error(`quick receive: ${first.status} ${JSON.stringify(first.body)}`);
  if (first.body.status !== 'pending') return first.body;
  let last: any;
  await eventually(async () => {
    last = (await h.call('GET', '/api/quick-receive', party.token)).body;
    return last.status !== 'pending';
  });
  return last;
}

/** A party with a verified account and a live receiving code. */
export async function verifiedParty(h: DealHarness, role: 'buyer' | 'seller' = 'seller', overrides: Partial<RegisteredAccount> = {}) {
  const party = await h.newUser();
  const account = registerAccount(h, overrides);
  const outcome = await quickReceive(h, party, { role, ...entryFor(account) });
  if (outcome.status !== 'code') throw new Error(`quick receive: ${JSON.stringify(outcome)}`);
  return { party, account, receivingCode: outcome.receivingCode as string };
}

let funding = 0;
/**
 * Money in the party's e-wallet. A whole deal does this too (test/deal/happy-path.test.ts); here
 * the release is one ledger transfer so the payout tests stay about payouts.
 */
export async function fundWallet(h: DealHarness, userId: string, amountMinor: number): Promise<void> {
  funding += 1;
  await h.ledger.createAccounts([
    { id: providerClearingAccountId('TWD'), currency: 'TWD', kind: 'provider_clearing', shardCount: 32 },
    { id: walletAccountId(userId, 'TWD'), currency: 'TWD', kind: 'user_wallet', debitsMustNotExceedCredits: true },
  ]);
  await h.ledger.createTransfer({
    id: `test-funding:${userId}:${funding}`,
    debitAccountId: providerClearingAccountId('TWD'),
    creditAccountId: walletAccountId(userId, 'TWD'),
    amountMinor,
    currency: 'TWD',
  });
}

export async function available(h: DealHarness, userId: string): Promise<number> {
  return (await h.ledger.balance(walletAccountId(userId, 'TWD'))).availableMinor ?? 0;
}

/** Every byte a history holds: strings as UTF-8 and payload data as it was stored. */
export function historyBytes(value: unknown, into: Buffer[] = []): Buffer {
  if (value instanceof Uint8Array) into.push(Buffer.from(value));
  else if (typeof value === 'string') into.push(Buffer.from(value, 'utf8'));
  else if (Array.isArray(value)) for (const item of value) historyBytes(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyBytes(item, into);
  return Buffer.concat(into);
}
