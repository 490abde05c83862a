import { createPrivateKey, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { developmentKey, keyRingFromEnv, type KeyRing } from '../crypto/key-ring';
import { limitPolicyFromEnv, type LimitPolicy } from '../limits/policy';
import { LOG_LEVELS, type LogLevelName } from '../observability/logger';
import { feeScheduleFromEnv } from '../deal/fee-settings';
import type { FeeSchedule } from '../deal/fees';
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
  /** S114: without the provider's webhook by then, the deal asks the provider; still pending → parked for a person. */
  chargeResultWaitMs: number;
  /** A link no buyer took (no payment info sent) expires after this and the seller is told. Absent in runs started before it. */
  linkExpiryMs?: number;
  /** S204: how much one extension of the decision window adds (the buyer asks from the chat). Absent in runs before it. */
  decisionExtensionMs?: number;
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

/** Money out: quick receive (S601–S607, S701–S707) and payouts. */
export interface MoneyOutSettings {
  /** QUICK_RECEIVE_VERIFICATION_TIMEOUT_MS: how long a quick receive waits for the verification center's answer. */
  verificationTimeoutMs: number;
  /** QUICK_RECEIVE_IDLE_MS: an idle quick-receive workflow ends after this. */
  quickReceiveIdleMs: number;
  /** PAYOUT_RESULT_WAIT_MS: without the payout provider's webhook by then, the payout asks it. */
  payoutResultWaitMs: number;
  /** PAYOUT_REVIEW_THRESHOLD_MINOR: a single payout above this waits for a person. */
  payoutReviewThresholdMinor: number;
  /** PAYOUT_DAILY_REVIEW_TOTAL_MINOR: a party's payouts within a day above this wait for a person. */
  payoutDailyReviewTotalMinor: number;
}

export interface Settings {
  /** NODE_ENV=production: every secret is required and development tools are not mounted. */
  production: boolean;
  /**
   * DATABASE_URL: the app's restricted role; connectSystem refuses an owner or superuser
   * (src/db/role-check.ts). The owner's MIGRATION_DATABASE_URL is read only where migrations run
   * (`npm run migrate`, `npm start`: src/runtime/postgres.ts), never by the worker or the api.
   */
  databaseUrl?: string;
  temporalAddress?: string;
  /** How the api, the worker and their readiness checks reach Temporal: TLS, mTLS, an API key (TEMPORAL_TLS*, TEMPORAL_API_KEY). */
  temporalConnection: TemporalConnectionSettings;
  temporalNamespace: string;
  taskQueue: string;
  /** Deals a worker keeps in memory between their steps; an evicted deal is replayed from its history when it wakes. */
  workerMaxCachedWorkflows: number;
  publicBaseUrl: string;
  apiPort: number;
  /** 127.0.0.1 by default; 0.0.0.0 in a container behind a load balancer. */
  apiHost: string;
  secrets: {
    /** Derives the dynamic password of a payment link (claim 15). */
    linkSecret: string;
    /** Keys the OTP hashes and the watch-list/phone hashes. */
    hashSecret: string;
  };
  durations: DealDurations;
  /** PLATFORM_FEES: the platform fee per currency (src/deal/fees.ts). */
  fees: FeeSchedule;
  wallet: WalletPolicy;
  moneyOut: MoneyOutSettings;
  maxPasswordFailures: number;
  maxOtpAttempts: number;
  /** MAX_OTP_SENDS_PER_ORDER: codes sent for one order at most (first and resends). */
  maxOtpSends: number;
  /** DECISION_EXTENSIONS_MAX: how often a buyer may extend the decision window (0: never). */
  maxDecisionExtensions: number;
  /** OTP_SENDS_PER_BUYER_HOUR: codes one buyer may be sent per hour, over all orders. */
  otpSendsPerBuyerHour: number;
  line: LineSettings;
  payments: ProviderSettings;
  bankCenter: ProviderSettings;
  payouts: ProviderSettings;
  /** Support staff and operators sign in through OpenID Connect (OIDC_*). */
  staffIdentity: StaffIdentitySettings;
  virtualPhonePrefixes: string[];
  /** Velocity rules and tier caps (LIMIT_POLICY, JSON). */
  limits: LimitPolicy;
  sms: SmsSettings;
  lineInbox: LineInboxSettings;
  keys: {
    /** FIELD_KEYS: columns at rest (bank accounts, phones). */
    field: KeyRing;
    /** PAYLOAD_KEYS: Temporal payloads (the codec). */
    payload: KeyRing;
  };
  codec: {
    /** TEMPORAL_UI_ORIGINS: browser origins of the Temporal UI allowed to call the codec endpoint. */
    allowedOrigins: string[];
  };
  /** TEMPORAL_UI_URL: the Temporal Web UI, for the support console's workflow links. */
  temporalUiUrl: string;
  identity: IdentitySettings;
  rateLimits: RateLimitSettings;
  /** TRUST_PROXY: Express's `trust proxy` (which hops may set X-Forwarded-For), e.g. loopback or 1. */
  trustProxy: string | number;
  operations: OperationsSettings;
}

/**
 * The client side of Temporal's TLS. Files are read and checked once at start (a rotated
 * certificate takes a restart), so a wrong path or a certificate without its key stops the
 * process before it connects instead of failing every call later.
 */
export interface TemporalConnectionSettings {
  /** TEMPORAL_TLS=on, or implied by any TEMPORAL_TLS_* file or TEMPORAL_API_KEY; undefined: plaintext gRPC. */
  tls?: TemporalTlsSettings;
  /** TEMPORAL_API_KEY: sent as `Authorization: Bearer …` on every call (Temporal Cloud API keys); needs TLS. */
  apiKey?: string;
}

export interface TemporalTlsSettings {
  /** TEMPORAL_TLS_CA_PATH: the CA that signed the server's certificate (PEM); the system's roots otherwise. */
  serverRootCa?: Buffer;
  /** TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: our client certificate and its key for mTLS (PEM). */
  clientCertPair?: { crt: Buffer; key: Buffer };
  /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate must carry, when not the host of TEMPORAL_ADDRESS. */
  serverName?: string;
}

/** Logs, health, metrics and the scheduled checks (issue 13). */
export interface OperationsSettings {
  /** LOG_LEVEL: trace, debug, info, warn, error, fatal or silent. */
  logLevel: LogLevelName;
  /** WORKER_HTTP_PORT, WORKER_HTTP_HOST: the worker's own small HTTP server (/healthz, /readyz, /metrics). */
  workerHttpPort: number;
  workerHttpHost: string;
  /** TEMPORAL_METRICS_BIND_ADDRESS: host:port of the Temporal SDK's Prometheus exporter in the worker; `off` turns it off. */
  temporalMetricsBindAddress?: string;
  /** RECONCILIATION_INTERVAL_MS: how often the reconciliation schedule runs (nightly by default). */
  reconciliationIntervalMs: number;
  /** RECONCILIATION_LOOKBACK_MS: each run compares the money movements of this long before it (a little more than the interval, so nothing falls between runs). */
  reconciliationLookbackMs: number;
  /** AUDIT_VERIFY_INTERVAL_MS: how often the audit-chain verification schedule runs. */
  auditVerifyIntervalMs: number;
  /** METRICS_BEARER_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsBearerToken?: string;
  /** WORKFLOW_BUNDLE_PATH: a workflow bundle built ahead (the container image's); unset, the worker bundles at start. */
  workflowBundlePath?: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where traces go (OTLP over HTTP); unset, no trace is exported. */
  otlpEndpoint?: string;
}

/** How long the LINE webhook inbox keeps trying an event, and keeps it afterwards. */
export interface LineInboxSettings {
  /**
   * LINE_INBOX_RETRY_HORIZON_MS: an event failing on transport (Temporal, PostgreSQL or LINE
   * unreachable, timeouts, their 5xx) is retried until it is this old (counted from its receipt,
   * or from a re-drive). A buyer's decision must survive an outage of our own parts.
   */
  retryHorizonMs: number;
  /** LINE_INBOX_RETRY_MAX_MS: the cap of the exponential backoff between retries. */
  retryMaxMs: number;
  /** LINE_INBOX_MAX_FAILED_ATTEMPTS: tries for an event that fails for a reason of its own (bad data, a bug, a refusal). */
  maxFailedAttempts: number;
  /** LINE_INBOX_RETENTION_MS: processed events are deleted this long after processing. */
  retentionMs: number;
}

/**
 * Staff identity: an OpenID Connect provider signs staff in (the console's authorization code
 * flow with PKCE) and issues the access tokens the api and the codec endpoint verify.
 */
export interface StaffIdentitySettings {
  /**
   * OIDC_ISSUER_URL: the provider's issuer, exactly as its discovery document states it (https in
   * production). Unset outside production: staff sign-in is off (`npm start` runs an emulator).
   */
  issuerUrl?: string;
  /** OIDC_CLIENT_ID: the console's client at the provider. */
  clientId: string;
  /** OIDC_CLIENT_SECRET: the console is a confidential client (its callback runs on our server). */
  clientSecret?: string;
  /** OIDC_AUDIENCE: the `aud` of access tokens for this api. */
  audience: string;
  /** OIDC_CODEC_AUDIENCE: the `aud` of the access tokens the Temporal UI forwards to the codec endpoint; OIDC_AUDIENCE by default. */
  codecAudience: string;
  /** OIDC_ROLES_CLAIM: the access-token claim listing the staff roles (viewer, agent, admin, operator); a dotted path reaches nested claims. */
  rolesClaim: string;
  /** OIDC_TIMEOUT_MS: one request to the provider (discovery, keys, token exchange) gives up after this. */
  timeoutMs: number;
  /**
   * OIDC_JWKS_COOLDOWN_MS: after reading the provider's keys, a token naming a key we do not have
   * makes us read them again only after this long (so made-up key ids cannot hammer the provider).
   */
  jwksCooldownMs: number;
}

export interface IdentitySettings {
  /** ID_TOKEN_CACHE_MS: a verified ID token is remembered this long, never past its exp. */
  tokenCacheMs: number;
  /** ID_TOKEN_REFUSAL_CACHE_MS: a refused token is remembered this long, so repeats cost LINE nothing. */
  refusalCacheMs: number;
}

/** Requests per window, per user when logged in, else per client address. */
export interface RateLimitSettings {
  /** RATE_LIMIT_WINDOW_MS */
  windowMs: number;
  /** RATE_LIMIT_LOGIN_MAX: LINE Login starts and callbacks. */
  loginMax: number;
  /** RATE_LIMIT_OTP_MAX: OTP submissions. */
  otpMax: number;
  /** RATE_LIMIT_OTP_RESEND_MAX: OTP resends. */
  otpResendMax: number;
  /** RATE_LIMIT_PHONE_MAX: phone binding calls. */
  phoneMax: number;
  /** RATE_LIMIT_LINKS_MAX: payment links created. */
  linksMax: number;
  /** RATE_LIMIT_STAFF_MAX: support staff calls. */
  staffMax: number;
  /** RATE_LIMIT_CODEC_MAX: codec endpoint calls. */
  codecMax: number;
}

export interface LineSettings {
  channelId: string;
  channelSecret: string;
  channelAccessToken: string;
  /** The LINE Login channel's secret (token exchange). */
  loginChannelSecret: string;
  /** Messaging API base (https://api.line.me); the emulator's root in development. */
  apiBaseUrl: string;
  /**
   * LINE_DATA_API_BASE_URL: where LINE serves what users sent (https://api-data.line.me); defaults
   * to LINE_API_BASE_URL when that is set (the emulator serves both at its root).
   */
  dataApiBaseUrl: string;
  /** LINE Login authorize base (https://access.line.me). */
  loginBaseUrl: string;
  /** LINE_LOGIN_API_BASE_URL: LINE Login token/verify API (https://api.line.me); defaults to apiBaseUrl. */
  loginApiBaseUrl: string;
  addFriendUrl: string;
  /**
   * LIFF_ID: our LIFF app (its endpoint URL is PUBLIC_BASE_URL). When set, the chat and the rich
   * menu open our pages through https://liff.line.me/<id>/…, and the pages take the user's ID
   * token from liff.getIDToken() inside LINE; unset, they are plain pages with LINE Login.
   */
  liffId?: string;
  /** LINE_API_TIMEOUT_MS: one Messaging API request gives up after this (then it is retried). */
  apiTimeoutMs: number;
  /** LINE_LOGIN_TIMEOUT_MS: one LINE Login request (token, verify, friendship) gives up after this. */
  loginTimeoutMs: number;
}

export interface ProviderSettings {
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  /** <PREFIX>_TIMEOUT_MS: one request to the provider gives up after this (retryable). */
  timeoutMs: number;
}

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MAX_DURATION_MS = 366 * DAY_MS;

export const QUICK_RECEIVE_VERIFICATION_TIMEOUT_MS_DEFAULT = 10 * MINUTE_MS;
export const QUICK_RECEIVE_IDLE_MS_DEFAULT = 15 * MINUTE_MS;
export const PAYOUT_RESULT_WAIT_MS_DEFAULT = 10 * MINUTE_MS;
export const PAYOUT_REVIEW_THRESHOLD_MINOR_DEFAULT = 5_000_000;
export const PAYOUT_DAILY_REVIEW_TOTAL_MINOR_DEFAULT = 10_000_000;

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;
export const ID_TOKEN_CACHE_MS_DEFAULT = 60_000;
export const ID_TOKEN_REFUSAL_CACHE_MS_DEFAULT = 5_000;
const MAX_OUTBOUND_TIMEOUT_MS = 5 * MINUTE_MS;
const MAX_RATE_LIMIT = 1_000_000;
const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';
const DEFAULT_TEMPORAL_UI_ORIGIN = 'http://localhost:8233';

/** Development fallbacks: public, so production refuses them (and anything that looks like them). */
const DEV_SECRET = 'development-only-secret-change-me-please';
const DEV_VALUE_MARKERS = [/^emulator-/i, new RegExp(DEV_SECRET), /development-only/i];
/** A secret shorter than this is guessable, or a placeholder. */
export const SECRET_MIN_BYTES = 32;

/**
 * One production secret: present, at least 32 bytes, not a development value. The error names
 * the variable and the rule, never the value.
 */
function checkProductionSecret(name: string, value: string | undefined): string {
  if (value === undefined) throw new ConfigError(name, 'is required in production');
  const problem = secretProblem(value, true);
  if (problem) throw new ConfigError(name, problem);
  return value;
}

/** What is wrong with a secret, in words that do not repeat it. */
function secretProblem(value: string, production: boolean): string | undefined {
  if (Buffer.byteLength(value, 'utf8') < SECRET_MIN_BYTES) return `must be at least ${SECRET_MIN_BYTES} bytes`;
  if (production && DEV_VALUE_MARKERS.some((marker) => marker.test(value))) return 'is a development value, refused in production';
  return undefined;
}

const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Static staff and operator tokens were replaced by OpenID Connect; a leftover setting must not look as if it still worked. */
const RETIRED_SETTINGS = ['SUPPORT_TOKENS', 'CODEC_OPERATOR_TOKENS'];

/** The LINE emulator's login channel, LINE_CHANNEL_ID's default outside production. */
const DEV_LINE_CHANNEL_ID = '1650000000';

/**
 * LINE's LIFF ids are the LINE Login channel id, a dash and 8 characters (e.g. 1650000000-AbCdEfGh).
 * The app must be one of our LINE Login channel's: its ID tokens are issued to (`aud`) that
 * channel, and the api verifies every ID token with client_id = LINE_CHANNEL_ID, so an app of
 * another channel would have every LIFF token refused and every user sent to the web login.
 */
function liffIdSetting(value: string | undefined, channelId: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{10}-[A-Za-z0-9]{8}$/.test(value)) throw new ConfigError('LIFF_ID', 'must look like 1234567890-AbCdEfGh');
  if (value.split('-')[0] !== channelId) {
    throw new ConfigError('LIFF_ID', `must be a LIFF app of LINE_CHANNEL_ID (${channelId}-…): LINE issues its ID tokens to that channel`);
  }
  return value;
}

function refuseRetiredSettings(env: Record<string, string | undefined>): void {
  for (const name of RETIRED_SETTINGS) {
    if (optionalString(env, name) !== undefined) {
      throw new ConfigError(
        name,
        'is no longer read: staff and operators sign in through OpenID Connect (OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_AUDIENCE); remove it',
      );
    }
  }
}

export const OIDC_DEFAULTS = { clientId: 'escrow-console', audience: 'escrow-api', rolesClaim: 'escrow_roles' } as const;

/** OIDC_*: required in production (an https issuer, a client, its secret, the audience). */
function staffIdentitySettings(env: Record<string, string | undefined>, production: boolean): StaffIdentitySettings {
  const issuerUrl = urlSetting(env, 'OIDC_ISSUER_URL', production ? ['https:'] : ['http:', 'https:']);
  if (issuerUrl !== undefined && (new URL(issuerUrl).search !== '' || new URL(issuerUrl).hash !== '')) {
    throw new ConfigError('OIDC_ISSUER_URL', 'must be the issuer itself, without a query or fragment');
  }
  const required = (name: string, fallback?: string) => {
    const value = optionalString(env, name);
    if (value === undefined && production) throw new ConfigError(name, 'is required in production');
    return value ?? fallback;
  };
  if (production && issuerUrl === undefined) throw new ConfigError('OIDC_ISSUER_URL', 'is required in production (https)');
  const clientSecret = required('OIDC_CLIENT_SECRET');
  // Issued by the provider, so no length rule of ours; only the emulator's values are refused.
  if (production && clientSecret !== undefined && DEV_VALUE_MARKERS.some((marker) => marker.test(clientSecret))) {
    throw new ConfigError('OIDC_CLIENT_SECRET', 'is a development value, refused in production');
  }
  const audience = required('OIDC_AUDIENCE', OIDC_DEFAULTS.audience)!;
  const rolesClaim = optionalString(env, 'OIDC_ROLES_CLAIM') ?? OIDC_DEFAULTS.rolesClaim;
  if (!/^[\w:/.-]{1,200}$/.test(rolesClaim))
    throw new ConfigError('OIDC_ROLES_CLAIM', 'must be a claim name or a dotted path of claim names');
  return {
    issuerUrl,
    clientId: required('OIDC_CLIENT_ID', OIDC_DEFAULTS.clientId)!,
    clientSecret,
    audience,
    codecAudience: optionalString(env, 'OIDC_CODEC_AUDIENCE') ?? audience,
    rolesClaim,
    timeoutMs: integerSetting(env, 'OIDC_TIMEOUT_MS', DEFAULT_OUTBOUND_TIMEOUT_MS, 1, MAX_OUTBOUND_TIMEOUT_MS),
    jwksCooldownMs: integerSetting(env, 'OIDC_JWKS_COOLDOWN_MS', 30_000, 0, 10 * MINUTE_MS),
  };
}

/** A key ring; in production neither ring's development key is accepted in either variable. */
function keyRingSetting(env: Record<string, string | undefined>, variable: string, production: boolean): KeyRing {
  const ring = keyRingFromEnv(env, variable);
  if (production) {
    const devKeys = ['FIELD_KEYS', 'PAYLOAD_KEYS'].map(developmentKey);
    for (const key of ring.keys.values()) {
      if (devKeys.some((dev) => timingSafeEqual(dev, key)))
        throw new ConfigError(variable, 'contains a development key, which is refused in production');
    }
  }
  return ring;
}

function trustProxySetting(env: Record<string, string | undefined>): string | number {
  const raw = optionalString(env, 'TRUST_PROXY') ?? 'loopback';
  if (/^\d+$/.test(raw)) return integerSetting(env, 'TRUST_PROXY', 0, 0, 10);
  // true would let any client pick its address (and so its rate-limit bucket).
  if (raw === 'true' || raw === 'false')
    throw new ConfigError(
      'TRUST_PROXY',
      'must be a hop count or a list of trusted addresses (loopback, uniquelocal, CIDRs), not true/false',
    );
  if (!/^[\w.:/, -]+$/.test(raw)) throw new ConfigError('TRUST_PROXY', 'must be a hop count or a list of trusted addresses');
  return raw;
}

export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const production = optionalString(env, 'NODE_ENV') === 'production';
  refuseRetiredSettings(env);
  const secret = (name: string) => {
    if (production) return checkProductionSecret(name, optionalString(env, name));
    return secretSetting(env, name, SECRET_MIN_BYTES) ?? `${DEV_SECRET}:${name}`;
  };
  /** An outside service's credential: required in production, the emulator's default otherwise. */
  const credential = (name: string, emulatorDefault: string) =>
    production ? checkProductionSecret(name, optionalString(env, name)) : (optionalString(env, name) ?? emulatorDefault);
  const requiredInProduction = <T>(name: string, value: T | undefined, fallback: T): T => {
    if (value !== undefined) return value;
    if (production) throw new ConfigError(name, 'is required in production');
    return fallback;
  };
  const duration = (name: string, fallbackMs: number, maxMs = MAX_DURATION_MS) => integerSetting(env, name, fallbackMs, 1, maxMs);
  const minor = (name: string, fallback: number) => integerSetting(env, name, fallback, 1, Number.MAX_SAFE_INTEGER);
  const timeout = (name: string) => integerSetting(env, name, DEFAULT_OUTBOUND_TIMEOUT_MS, 1, MAX_OUTBOUND_TIMEOUT_MS);
  const rate = (name: string, fallback: number) => integerSetting(env, name, fallback, 1, MAX_RATE_LIMIT);
  const lineApiBaseUrl = urlSetting(env, 'LINE_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.line.me';
  const origins = list(optionalString(env, 'TEMPORAL_UI_ORIGINS'));
  return {
    production,
    databaseUrl: urlSetting(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporalAddress: hostPortSetting(env, 'TEMPORAL_ADDRESS'),
    temporalConnection: temporalConnectionSettings(env, production),
    temporalNamespace: optionalString(env, 'TEMPORAL_NAMESPACE') ?? 'default',
    taskQueue: optionalString(env, 'TASK_QUEUE') ?? 'escrow',
    workerMaxCachedWorkflows: integerSetting(env, 'WORKER_MAX_CACHED_WORKFLOWS', 2000, 2, 100_000),
    publicBaseUrl: requiredInProduction(
      'PUBLIC_BASE_URL',
      urlSetting(env, 'PUBLIC_BASE_URL', ['http:', 'https:']),
      'http://127.0.0.1:3000',
    ),
    apiPort: integerSetting(env, 'API_PORT', 3000, 0, 65535),
    apiHost: optionalString(env, 'API_HOST') ?? '127.0.0.1',
    secrets: { linkSecret: secret('LINK_SECRET'), hashSecret: secret('HASH_SECRET') },
    durations: {
      paymentReminderMs: duration('PAYMENT_REMINDER_MS', 1 * DAY_MS),
      paymentExpiryMs: duration('PAYMENT_EXPIRY_MS', 3 * DAY_MS),
      decisionWindowMs: duration('DECISION_WINDOW_MS', 2 * DAY_MS),
      disputeEscalationMs: duration('DISPUTE_ESCALATION_MS', 7 * DAY_MS),
      phoneBindingPeriodMs: duration('PHONE_BINDING_PERIOD_MS', 30 * DAY_MS),
      otpTtlMs: duration('OTP_TTL_MS', 5 * 60 * 1000),
      chargeResultWaitMs: duration('CHARGE_RESULT_WAIT_MS', 30 * MINUTE_MS),
      linkExpiryMs: duration('LINK_EXPIRY_MS', 7 * DAY_MS),
      decisionExtensionMs: duration('DECISION_EXTENSION_MS', 3 * DAY_MS),
    },
    fees: feeScheduleFromEnv(env),
    wallet: {
      attemptsPerRound: integerSetting(env, 'WALLET_ATTEMPTS_PER_ROUND', 3, 1, 20),
      lockoutMs: duration('WALLET_LOCKOUT_MS', 1 * DAY_MS),
      maxLockouts: integerSetting(env, 'WALLET_MAX_LOCKOUTS', 3, 1, 100),
      activationTtlMs: duration('WALLET_ACTIVATION_TTL_MS', 7 * DAY_MS),
    },
    moneyOut: {
      verificationTimeoutMs: duration('QUICK_RECEIVE_VERIFICATION_TIMEOUT_MS', QUICK_RECEIVE_VERIFICATION_TIMEOUT_MS_DEFAULT, DAY_MS),
      quickReceiveIdleMs: duration('QUICK_RECEIVE_IDLE_MS', QUICK_RECEIVE_IDLE_MS_DEFAULT, DAY_MS),
      payoutResultWaitMs: duration('PAYOUT_RESULT_WAIT_MS', PAYOUT_RESULT_WAIT_MS_DEFAULT, DAY_MS),
      payoutReviewThresholdMinor: minor('PAYOUT_REVIEW_THRESHOLD_MINOR', PAYOUT_REVIEW_THRESHOLD_MINOR_DEFAULT),
      payoutDailyReviewTotalMinor: minor('PAYOUT_DAILY_REVIEW_TOTAL_MINOR', PAYOUT_DAILY_REVIEW_TOTAL_MINOR_DEFAULT),
    },
    maxPasswordFailures: integerSetting(env, 'MAX_PASSWORD_FAILURES', 5, 1, 100),
    maxOtpAttempts: integerSetting(env, 'MAX_OTP_ATTEMPTS', 5, 1, 10),
    maxOtpSends: integerSetting(env, 'MAX_OTP_SENDS_PER_ORDER', 5, 1, 20),
    maxDecisionExtensions: integerSetting(env, 'DECISION_EXTENSIONS_MAX', 1, 0, 5),
    otpSendsPerBuyerHour: integerSetting(env, 'OTP_SENDS_PER_BUYER_HOUR', 10, 1, 100),
    line: {
      channelId: requiredInProduction('LINE_CHANNEL_ID', optionalString(env, 'LINE_CHANNEL_ID'), DEV_LINE_CHANNEL_ID),
      channelSecret: credential('LINE_CHANNEL_SECRET', 'emulator-channel-secret'),
      channelAccessToken: credential('LINE_CHANNEL_ACCESS_TOKEN', 'emulator-channel-access-token'),
      loginChannelSecret: credential('LINE_LOGIN_CHANNEL_SECRET', 'emulator-login-channel-secret'),
      apiBaseUrl: lineApiBaseUrl,
      loginBaseUrl: urlSetting(env, 'LINE_LOGIN_BASE_URL', ['http:', 'https:']) ?? 'https://access.line.me',
      loginApiBaseUrl: urlSetting(env, 'LINE_LOGIN_API_BASE_URL', ['http:', 'https:']) ?? lineApiBaseUrl,
      dataApiBaseUrl:
        urlSetting(env, 'LINE_DATA_API_BASE_URL', ['http:', 'https:']) ??
        (optionalString(env, 'LINE_API_BASE_URL') !== undefined ? lineApiBaseUrl : 'https://api-data.line.me'),
      addFriendUrl: urlSetting(env, 'LINE_ADD_FRIEND_URL', ['http:', 'https:']) ?? 'https://line.me/R/ti/p/@escrow',
      liffId: liffIdSetting(optionalString(env, 'LIFF_ID'), optionalString(env, 'LINE_CHANNEL_ID') ?? DEV_LINE_CHANNEL_ID),
      apiTimeoutMs: timeout('LINE_API_TIMEOUT_MS'),
      loginTimeoutMs: timeout('LINE_LOGIN_TIMEOUT_MS'),
    },
    payments: providerSettings('PAYMENT'),
    bankCenter: providerSettings('BANKCENTER'),
    payouts: providerSettings('PAYOUT'),
    staffIdentity: staffIdentitySettings(env, production),
    limits: limitPolicyFromEnv(env),
    virtualPhonePrefixes: list(optionalString(env, 'VIRTUAL_PHONE_PREFIXES')),
    keys: { field: keyRingSetting(env, 'FIELD_KEYS', production), payload: keyRingSetting(env, 'PAYLOAD_KEYS', production) },
    codec: {
      allowedOrigins: origins.length > 0 ? origins : [DEFAULT_TEMPORAL_UI_ORIGIN],
    },
    temporalUiUrl: urlSetting(env, 'TEMPORAL_UI_URL', ['http:', 'https:']) ?? DEFAULT_TEMPORAL_UI_URL,
    identity: {
      tokenCacheMs: integerSetting(env, 'ID_TOKEN_CACHE_MS', ID_TOKEN_CACHE_MS_DEFAULT, 0, 60 * MINUTE_MS),
      refusalCacheMs: integerSetting(env, 'ID_TOKEN_REFUSAL_CACHE_MS', ID_TOKEN_REFUSAL_CACHE_MS_DEFAULT, 0, MINUTE_MS),
    },
    rateLimits: {
      windowMs: duration('RATE_LIMIT_WINDOW_MS', MINUTE_MS, DAY_MS),
      loginMax: rate('RATE_LIMIT_LOGIN_MAX', 30),
      otpMax: rate('RATE_LIMIT_OTP_MAX', 10),
      otpResendMax: rate('RATE_LIMIT_OTP_RESEND_MAX', 3),
      phoneMax: rate('RATE_LIMIT_PHONE_MAX', 10),
      linksMax: rate('RATE_LIMIT_LINKS_MAX', 20),
      staffMax: rate('RATE_LIMIT_STAFF_MAX', 300),
      codecMax: rate('RATE_LIMIT_CODEC_MAX', 300),
    },
    trustProxy: trustProxySetting(env),
    operations: operationsSettings(env),
    sms: smsSettings(env, production),
    lineInbox: {
      retryHorizonMs: duration('LINE_INBOX_RETRY_HORIZON_MS', 7 * DAY_MS, 30 * DAY_MS),
      retryMaxMs: duration('LINE_INBOX_RETRY_MAX_MS', MINUTE_MS, HOUR_MS),
      maxFailedAttempts: integerSetting(env, 'LINE_INBOX_MAX_FAILED_ATTEMPTS', 5, 1, 100),
      // At least an hour: a processed row is also what recognises LINE's redelivery of the same event.
      retentionMs: integerSetting(env, 'LINE_INBOX_RETENTION_MS', 30 * DAY_MS, HOUR_MS, MAX_DURATION_MS),
    },
  };

  function providerSettings(prefix: string): ProviderSettings {
    const baseUrl = urlSetting(env, `${prefix}_BASE_URL`, ['http:', 'https:']);
    return {
      baseUrl: requiredInProduction(`${prefix}_BASE_URL`, baseUrl, 'http://127.0.0.1:0'),
      apiKey: credential(`${prefix}_API_KEY`, `emulator-${prefix.toLowerCase()}-key`),
      webhookSecret: credential(`${prefix}_WEBHOOK_SECRET`, `emulator-${prefix.toLowerCase()}-webhook-secret`),
      timeoutMs: timeout(`${prefix}_TIMEOUT_MS`),
    };
  }
}

const TEMPORAL_TLS_FILES = ['TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'] as const;

/** 127.0.0.0/8, ::1 and localhost: a connection that never leaves the machine. */
export function isLoopbackAddress(hostPort: string): boolean {
  const host = hostPort
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * TEMPORAL_TLS (on/off), TEMPORAL_TLS_CA_PATH, TEMPORAL_TLS_CERT_PATH + TEMPORAL_TLS_KEY_PATH,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY. A TLS file, the server name or an API key turns TLS
 * on by itself; `TEMPORAL_TLS=off` with any of them is a contradiction and refused. Production
 * with a Temporal address off this machine must say `on` or `off`: the address alone does not
 * tell whether the network between is one we trust, and plaintext gRPC there would carry every
 * (encrypted) payload, search attribute and workflow id in the clear.
 */
function temporalConnectionSettings(env: Record<string, string | undefined>, production: boolean): TemporalConnectionSettings {
  const raw = optionalString(env, 'TEMPORAL_TLS')?.toLowerCase();
  if (raw !== undefined && raw !== 'on' && raw !== 'off') throw new ConfigError('TEMPORAL_TLS', 'must be on or off');
  const apiKey = optionalString(env, 'TEMPORAL_API_KEY');
  const serverName = optionalString(env, 'TEMPORAL_TLS_SERVER_NAME');
  const given = [...TEMPORAL_TLS_FILES, 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'].filter(
    (name) => optionalString(env, name) !== undefined,
  );
  if (raw === 'off' && given.length > 0) {
    throw new ConfigError(
      'TEMPORAL_TLS',
      `is off but ${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set (they need TLS): set TEMPORAL_TLS=on or remove them`,
    );
  }
  const address = optionalString(env, 'TEMPORAL_ADDRESS');
  if (production && raw === undefined && given.length === 0 && address !== undefined && !isLoopbackAddress(address)) {
    throw new ConfigError(
      'TEMPORAL_TLS',
      'must be set in production when TEMPORAL_ADDRESS is not on this machine: on (with TEMPORAL_TLS_* for a CA of your own or mTLS) or off (only on a private network you trust)',
    );
  }
  if (serverName !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName)) {
    throw new ConfigError('TEMPORAL_TLS_SERVER_NAME', 'must be a host name');
  }
  if (apiKey !== undefined && /\s/.test(apiKey)) throw new ConfigError('TEMPORAL_API_KEY', 'must not contain spaces');
  if (raw !== 'on' && given.length === 0) return {};

  const certPath = optionalString(env, 'TEMPORAL_TLS_CERT_PATH');
  const keyPath = optionalString(env, 'TEMPORAL_TLS_KEY_PATH');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const missing = certPath === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH';
    throw new ConfigError(
      missing,
      'is required with ' +
        (certPath === undefined ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH') +
        ' (a client certificate and its key go together)',
    );
  }
  const ca = readPemFile(env, 'TEMPORAL_TLS_CA_PATH');
  if (ca !== undefined) certificatesIn(ca, 'TEMPORAL_TLS_CA_PATH');
  let clientCertPair: TemporalTlsSettings['clientCertPair'];
  if (certPath !== undefined && keyPath !== undefined) {
    const crt = readPemFile(env, 'TEMPORAL_TLS_CERT_PATH')!;
    const key = readPemFile(env, 'TEMPORAL_TLS_KEY_PATH')!;
    const [leaf] = certificatesIn(crt, 'TEMPORAL_TLS_CERT_PATH');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(key);
    } catch {
      // Never the parser's message: it could quote what it read.
      throw new ConfigError('TEMPORAL_TLS_KEY_PATH', 'must name an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)');
    }
    if (!leaf!.checkPrivateKey(privateKey)) {
      throw new ConfigError('TEMPORAL_TLS_KEY_PATH', 'is not the key of the certificate in TEMPORAL_TLS_CERT_PATH');
    }
    clientCertPair = { crt, key };
  }
  return {
    tls: {
      ...(ca !== undefined ? { serverRootCa: ca } : {}),
      ...(clientCertPair ? { clientCertPair } : {}),
      ...(serverName !== undefined ? { serverName } : {}),
    },
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
}

/** A file a setting names, read now; the error names the variable and the reason, not the path's content. */
function readPemFile(env: Record<string, string | undefined>, variable: string): Buffer | undefined {
  const file = optionalString(env, variable);
  if (file === undefined) return undefined;
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError(variable, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(content.toString('latin1')))
    throw new ConfigError(variable, 'must name a PEM file (-----BEGIN …-----)');
  return content;
}

/** Every certificate of a PEM bundle parsed; an expired one is refused now rather than by the server later. */
function certificatesIn(pem: Buffer, variable: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(variable, 'must name a PEM file holding a certificate (-----BEGIN CERTIFICATE-----)');
  return blocks.map((block) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      throw new ConfigError(variable, 'holds a certificate that cannot be parsed');
    }
    if (Date.parse(cert.validTo) < Date.now()) throw new ConfigError(variable, `holds a certificate that expired on ${cert.validTo}`);
    return cert;
  });
}

function operationsSettings(env: Record<string, string | undefined>): OperationsSettings {
  const logLevel = (optionalString(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const metricsAddress = optionalString(env, 'TEMPORAL_METRICS_BIND_ADDRESS') ?? '127.0.0.1:9465';
  const reconciliationIntervalMs = integerSetting(env, 'RECONCILIATION_INTERVAL_MS', DAY_MS, 1000, MAX_DURATION_MS);
  return {
    logLevel: logLevel as LogLevelName,
    workerHttpPort: integerSetting(env, 'WORKER_HTTP_PORT', 9464, 0, 65535),
    workerHttpHost: optionalString(env, 'WORKER_HTTP_HOST') ?? '127.0.0.1',
    temporalMetricsBindAddress:
      metricsAddress === 'off'
        ? undefined
        : hostPortSetting({ TEMPORAL_METRICS_BIND_ADDRESS: metricsAddress }, 'TEMPORAL_METRICS_BIND_ADDRESS'),
    reconciliationIntervalMs,
    reconciliationLookbackMs: integerSetting(env, 'RECONCILIATION_LOOKBACK_MS', reconciliationIntervalMs + HOUR_MS, 1000, MAX_DURATION_MS),
    auditVerifyIntervalMs: integerSetting(env, 'AUDIT_VERIFY_INTERVAL_MS', DAY_MS, 1000, MAX_DURATION_MS),
    otlpEndpoint: urlSetting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    metricsBearerToken: secretSetting(env, 'METRICS_BEARER_TOKEN', 16),
    workflowBundlePath: optionalString(env, 'WORKFLOW_BUNDLE_PATH'),
  };
}

/** The SMS provider (Vonage Messages API) and the phone-binding rules it serves (S404–S405). */
export interface SmsSettings {
  /** SMS_BASE_URL, e.g. https://api.nexmo.com; the emulator's root in development. */
  baseUrl: string;
  /** SMS_API_KEY and SMS_API_SECRET: the account's credentials (HTTP Basic). */
  apiKey: string;
  apiSecret: string;
  /** SMS_SENDER: the `from` of our texts, an alphanumeric sender id (≤ 11) or a number. */
  sender: string;
  phoneVerification: PhoneVerificationPolicy;
}

export interface PhoneVerificationPolicy {
  /** PHONE_CODE_TTL_MS: how long a binding code is valid. */
  codeTtlMs: number;
  /** PHONE_CODE_MAX_ATTEMPTS: wrong codes before that verification is locked. */
  maxAttempts: number;
  /** PHONE_CODE_SENDS_PER_WINDOW per PHONE_CODE_SEND_WINDOW_MS: codes sent per user, and per number. */
  sendsPerWindow: number;
  sendWindowMs: number;
  /** PHONE_BINDINGS_PER_WINDOW per PHONE_BINDINGS_WINDOW_MS: numbers one user may bind (the first counts). */
  bindingsPerWindow: number;
  bindingsWindowMs: number;
}

const SMS_EMULATOR_CREDENTIALS = { SMS_API_KEY: 'emulator-sms-key', SMS_API_SECRET: 'emulator-sms-secret' } as const;

export function smsSettings(env: Record<string, string | undefined>, production: boolean): SmsSettings {
  const baseUrl = urlSetting(env, 'SMS_BASE_URL', ['http:', 'https:']);
  if (baseUrl === undefined && production) throw new ConfigError('SMS_BASE_URL', 'is required in production');
  const credential = (name: keyof typeof SMS_EMULATOR_CREDENTIALS) => {
    const value = optionalString(env, name);
    if (production && (value === undefined || value === SMS_EMULATOR_CREDENTIALS[name])) {
      throw new ConfigError(name, "is required in production and must not be the emulator's value");
    }
    return value ?? SMS_EMULATOR_CREDENTIALS[name];
  };
  const sender = optionalString(env, 'SMS_SENDER') ?? 'Escrow';
  if (!/^(\d{1,15}|[A-Za-z0-9 ]{1,11})$/.test(sender))
    throw new ConfigError('SMS_SENDER', 'must be a number or at most 11 letters, digits and spaces');
  const duration = (name: string, fallbackMs: number) => integerSetting(env, name, fallbackMs, 1, MAX_DURATION_MS);
  return {
    baseUrl: baseUrl ?? 'http://127.0.0.1:0',
    apiKey: credential('SMS_API_KEY'),
    apiSecret: credential('SMS_API_SECRET'),
    sender,
    phoneVerification: {
      codeTtlMs: duration('PHONE_CODE_TTL_MS', 10 * MINUTE_MS),
      maxAttempts: integerSetting(env, 'PHONE_CODE_MAX_ATTEMPTS', 5, 1, 10),
      sendsPerWindow: integerSetting(env, 'PHONE_CODE_SENDS_PER_WINDOW', 5, 1, 100),
      sendWindowMs: duration('PHONE_CODE_SEND_WINDOW_MS', 60 * MINUTE_MS),
      bindingsPerWindow: integerSetting(env, 'PHONE_BINDINGS_PER_WINDOW', 3, 1, 100),
      bindingsWindowMs: duration('PHONE_BINDINGS_WINDOW_MS', 30 * DAY_MS),
    },
  };
}

/** `npm run cluster`: how many of each process, the Temporal server's shards, and where Temporal keeps its state. */
export interface ClusterSettings {
  workers: number;
  apis: number;
  historyShards: number;
  /** A role owning Temporal's two databases (`<name>` and `<name>_visibility`); embedded PostgreSQL otherwise. */
  temporalPostgresUrl?: string;
  /** The Temporal Web UI's port (8233, or a free one when taken). */
  uiPort: number;
}

export function clusterSettings(env: Record<string, string | undefined>): ClusterSettings {
  return {
    workers: integerSetting(env, 'CLUSTER_WORKERS', 2, 1, 32),
    apis: integerSetting(env, 'CLUSTER_APIS', 2, 1, 32),
    historyShards: integerSetting(env, 'TEMPORAL_HISTORY_SHARDS', 16, 1, 16_384),
    temporalPostgresUrl: urlSetting(env, 'TEMPORAL_POSTGRES_URL', ['postgres:', 'postgresql:']),
    uiPort: integerSetting(env, 'TEMPORAL_UI_PORT', 8233, 0, 65535),
  };
}
