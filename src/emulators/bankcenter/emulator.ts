/**
 * Bank verification center emulator. A registry of accounts (as the banks know them) decides
 * each verification: unknown account, frozen account, wrong holder name or wrong code fail
 * with a reason; the outcome arrives by signed callback after `outcomeDelayMs`.
 */
import type { Express, Router } from 'express';
import {
  verificationRequestSchema,
  type BankCenterEvent,
  type Verification,
  type VerificationFailureReason,
  type VerificationInput,
} from './contract';
import {
  DEFAULT_OUTCOME_DELAY_MS,
  createEmulatorApp,
  createKernel,
  emitEvent,
  json,
  listenOnLoopback,
  newId,
  parseOr400,
  problem,
  send,
  unixSeconds,
  type EmulatorCommonOptions,
  type EmulatorHandle,
  type EmulatorKernel,
} from '../http-util';

export interface RegisteredAccount {
  bankCode: string;
  accountNumber: string;
  /** When set, the request's holder name must match (case and spacing ignored). */
  holderName?: string;
  /** The code the bank gave the account holder. */
  expectedCode: string;
  frozen?: boolean;
}

/** Accounts a newcomer can use when clicking through locally. */
export const DEFAULT_REGISTERED_ACCOUNTS: readonly RegisteredAccount[] = [
  { bankCode: '812', accountNumber: '00012345678901', holderName: 'Wang Xiao Ming', expectedCode: '123456' },
  { bankCode: '822', accountNumber: '0099887766', holderName: 'Lin Mei Hua', expectedCode: '654321', frozen: true },
];

export function accountKey(account: { bankCode: string; accountNumber: string }): string {
  return `${account.bankCode}:${account.accountNumber}`;
}

function sameName(a: string, b: string): boolean {
  const normal = (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
  return normal(a) === normal(b);
}

export function verificationOutcome(
  accounts: ReadonlyMap<string, RegisteredAccount>,
  input: VerificationInput,
): VerificationFailureReason | undefined {
  const account = accounts.get(accountKey(input));
  if (!account) return 'account_not_found';
  if (account.frozen) return 'account_frozen';
  if (account.holderName !== undefined && !sameName(account.holderName, input.holderName)) return 'holder_name_mismatch';
  if (account.expectedCode !== input.verificationCode) return 'code_mismatch';
  return undefined;
}

export interface BankCenterEmulatorOptions extends EmulatorCommonOptions {
  /** Default `DEFAULT_REGISTERED_ACCOUNTS`. */
  accounts?: readonly RegisteredAccount[];
}

export interface VerificationRecord {
  verification: Verification;
  callbackUrl: string;
}

export interface BankCenterEmulatorState extends EmulatorKernel {
  /** Keyed by `accountKey`; tests add, freeze or remove accounts at run time. */
  accounts: Map<string, RegisteredAccount>;
  verifications: Map<string, VerificationRecord>;
  events: BankCenterEvent[];
}

export function createBankCenterEmulator(options: BankCenterEmulatorOptions): { app: Express; state: BankCenterEmulatorState } {
  const outcomeDelayMs = options.outcomeDelayMs ?? DEFAULT_OUTCOME_DELAY_MS;
  const state: BankCenterEmulatorState = {
    ...createKernel(options),
    accounts: new Map((options.accounts ?? DEFAULT_REGISTERED_ACCOUNTS).map((a) => [accountKey(a), { ...a }])),
    verifications: new Map(),
    events: [],
  };

  function settle(record: VerificationRecord, input: VerificationInput): void {
    const { verification } = record;
    const reason = verificationOutcome(state.accounts, input);
    const data = { verificationId: verification.id, reference: verification.reference };
    if (reason) {
      Object.assign(verification, { status: 'failed', reason });
      emitEvent(state, record.callbackUrl, { type: 'verification.failed', data: { ...data, reason } });
    } else {
      verification.status = 'succeeded';
      emitEvent(state, record.callbackUrl, { type: 'verification.succeeded', data });
    }
  }

  function routes(api: Router): void {
    api.post('/v1/verifications', (req, res) => {
      const input = parseOr400(verificationRequestSchema, req.body, res);
      if (!input) return;
      state.idempotency.handle(req, res, input, () => {
        const verification: Verification = {
          id: newId('ver'),
          status: 'pending',
          reference: input.reference,
          bankCode: input.bankCode,
          accountNumberLast4: input.accountNumber.slice(-4),
          created: unixSeconds(),
        };
        const record: VerificationRecord = { verification, callbackUrl: input.callbackUrl };
        state.verifications.set(verification.id, record);
        state.timers.later(outcomeDelayMs, () => settle(record, input));
        return json(202, { ...verification });
      });
    });

    api.get('/v1/verifications/:id', (req, res) => {
      const record = state.verifications.get(req.params.id);
      send(res, record ? json(200, record.verification) : problem(404, 'verification-not-found', 'No such verification', req.params.id));
    });
  }

  const app = createEmulatorApp({ apiKey: options.apiKey, faults: state.faults, routes });
  return { app, state };
}

export function startBankCenterEmulator(options: BankCenterEmulatorOptions): Promise<EmulatorHandle<BankCenterEmulatorState>> {
  const { app, state } = createBankCenterEmulator(options);
  return listenOnLoopback(app, state, state.timers, options.port);
}
