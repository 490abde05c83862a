import { ConfigError, hostPortSetting, integerSetting, optionalString, secretSetting, urlSetting } from './env';

/**
 * Every setting of the worker and the api, read and checked once at start. Durations are
 * settings here and workflow inputs below, so tests run a whole deal in seconds.
 */
export interface DealDurations {
  /** S116: remind the buyer who got payment info but has not paid. */
  paymentReminderMs: number;
  /** After this the unpaid order expires and the code is free of its buyer. */
  paymentExpiryMs: number;
  /** S204/S206: the buyer's decision window; silence means agreement. */
  decisionWindowMs: number;
  /** A dispute not resolved by then is escalated (the money still waits for a person). */
  disputeEscalationMs: number;
  /** S404: the phone-binding period in which more than one phone is abnormal. */
  phoneBindingPeriodMs: number;
  /** S112: how long an OTP is valid. */
  otpTtlMs: number;
}

export interface WalletPolicy {
  /** Wrong verification answers per round before a lockout (S309). */
  attemptsPerRound: number;
  /** The lockout: no new registration until it passes (e.g. a day). */
  lockoutMs: number;
  /** After this many lockouts the wallet is invalidated (anti-fraud). */
  maxLockouts: number;
  /** How long an activation request stays open before it ends by itself. */
  activationTtlMs: number;
}

export interface Settings {
  databaseUrl?: string;
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  publicBaseUrl: string;
  apiPort: number;
  secrets: {
    /** Derives the dynamic password of a payment link (claim 15). */
    linkSecret: string;
    /** Keys the OTP hashes and the watch-list/phone hashes. */
    hashSecret: string;
  };
  durations: DealDurations;
  wallet: WalletPolicy;
  maxPasswordFailures: number;
  maxOtpAttempts: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_DURATION_MS = 366 * DAY_MS;

const DEV_SECRET = 'development-only-secret-change-me-please';

export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const production = optionalString(env, 'NODE_ENV') === 'production';
  const secret = (name: string) => {
    const value = secretSetting(env, name, 32);
    if (value !== undefined) return value;
    if (production) throw new ConfigError(name, 'is required in production (at least 32 characters)');
    return `${DEV_SECRET}:${name}`;
  };
  const duration = (name: string, fallbackMs: number) => integerSetting(env, name, fallbackMs, 1, MAX_DURATION_MS);
  return {
    databaseUrl: urlSetting(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporalAddress: hostPortSetting(env, 'TEMPORAL_ADDRESS'),
    temporalNamespace: optionalString(env, 'TEMPORAL_NAMESPACE') ?? 'default',
    taskQueue: optionalString(env, 'TASK_QUEUE') ?? 'escrow',
    publicBaseUrl: urlSetting(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ?? 'http://127.0.0.1:3000',
    apiPort: integerSetting(env, 'API_PORT', 3000, 0, 65535),
    secrets: { linkSecret: secret('LINK_SECRET'), hashSecret: secret('HASH_SECRET') },
    durations: {
      paymentReminderMs: duration('PAYMENT_REMINDER_MS', 1 * DAY_MS),
      paymentExpiryMs: duration('PAYMENT_EXPIRY_MS', 3 * DAY_MS),
      decisionWindowMs: duration('DECISION_WINDOW_MS', 2 * DAY_MS),
      disputeEscalationMs: duration('DISPUTE_ESCALATION_MS', 7 * DAY_MS),
      phoneBindingPeriodMs: duration('PHONE_BINDING_PERIOD_MS', 30 * DAY_MS),
      otpTtlMs: duration('OTP_TTL_MS', 5 * 60 * 1000),
    },
    wallet: {
      attemptsPerRound: integerSetting(env, 'WALLET_ATTEMPTS_PER_ROUND', 3, 1, 20),
      lockoutMs: duration('WALLET_LOCKOUT_MS', 1 * DAY_MS),
      maxLockouts: integerSetting(env, 'WALLET_MAX_LOCKOUTS', 3, 1, 100),
      activationTtlMs: duration('WALLET_ACTIVATION_TTL_MS', 7 * DAY_MS),
    },
    maxPasswordFailures: integerSetting(env, 'MAX_PASSWORD_FAILURES', 5, 1, 100),
    maxOtpAttempts: integerSetting(env, 'MAX_OTP_ATTEMPTS', 5, 1, 10),
  };
}
