import http from 'node:http';
import { callApi, type CallResult } from './http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createApiApp } from '../../src/api/app';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import { edgeRouters } from '../../src/api/edge-routers';
import { answerClientErrors } from '../../src/api/input-guards';
import { RecordingChatPort } from '../../src/chat/recording';
import { loadSettings, type Settings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { EMULATOR_DEFAULTS, newUserId, startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';
import { startPaymentEmulator } from '../../src/emulators/payment';
import { startBankCenterEmulator } from '../../src/emulators/bankcenter';
import { startPayoutEmulator } from '../../src/emulators/payout';
import { startSmsEmulator, type RunningSmsEmulator } from '../../src/emulators/sms';
import { startStaffIdentityProvider, type StaffIdentityFixture } from './staff-identity';
import { createBankCenter } from '../../src/bankcenter';
import { createPayoutProvider } from '../../src/payout';
import { createLedger, type Ledger } from '../../src/ledger';
import { createPaymentProvider } from '../../src/payment';
import { dataConverterFromEnv } from '../../src/temporal/codec';
import { lineChat } from '../../src/runtime/system';
import { createEscrowWorker } from '../../worker/create-worker';
import { sharedWorkflowBundle } from './bundle';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from './env';

/**
 * A whole deal system in one test process, on the real Temporal dev server and the real
 * PostgreSQL: worker, api over HTTP, the payment provider emulator calling our webhook, the
 * LINE emulator for logins, and a recording chat port for what the deal says.
 */
export interface DealHarness {
  baseUrl: string;
  /** The api's Express app (for tests that look at its routes). */
  app?: import('express').Express;
  settings: Settings;
  knex: Knex;
  ledger: Ledger;
  client: Client;
  chat: RecordingChatPort;
  line: RunningLineEmulator;
  payments: Awaited<ReturnType<typeof startPaymentEmulator>>;
  /** The verification center and payout provider emulators (optional so other harnesses may omit them). */
  bankCenter?: Awaited<ReturnType<typeof startBankCenterEmulator>>;
  payouts?: Awaited<ReturnType<typeof startPayoutEmulator>>;
  /** The SMS provider emulator: phone binding codes arrive here (see deal-steps bindPhone). */
  sms?: RunningSmsEmulator;
  /** The staff identity provider (OIDC emulator) and access tokens it minted for the test staff. */
  staff: StaffIdentityFixture;
  worker: Worker;
  /** Restart the worker (a crash in the middle of deals). */
  restartWorker(): Promise<void>;
  /** A new LINE user; friend of our official account unless told otherwise. */
  newUser(options?: { friend?: boolean }): Promise<{ userId: string; token: string }>;
  call<T = any>(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult<T>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** false: no worker in this process (a test runs worker processes of its own). */
  inProcessWorker?: boolean;
  env?: Record<string, string>;
}

export async function startDealHarness(options: HarnessOptions = {}): Promise<DealHarness> {
  const server = http.createServer();
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const line = await startLineEmulator({});
  const paymentSecrets = { apiKey: 'test-payment-key', webhookSecret: 'test-payment-webhook-secret-0123456789' };
  const payments = await startPaymentEmulator({ ...paymentSecrets, outcomeDelayMs: 20, callbackBackoffBaseMs: 50, callbackMaxAttempts: 8 });
  const bankCenterSecrets = { apiKey: 'test-bankcenter-key', webhookSecret: 'test-bankcenter-webhook-secret-0123456789' };
  const bankCenter = await startBankCenterEmulator({
    ...bankCenterSecrets,
    outcomeDelayMs: 20,
    callbackBackoffBaseMs: 50,
    callbackMaxAttempts: 8,
  });
  const payoutSecrets = { apiKey: 'test-payout-key', webhookSecret: 'test-payout-webhook-secret-0123456789' };
  const payouts = await startPayoutEmulator({
    ...payoutSecrets,
    webhookUrl: `${baseUrl}/webhooks/payouts`,
    outcomeDelayMs: 20,
    callbackBackoffBaseMs: 50,
    callbackMaxAttempts: 8,
  });
  const smsSecrets = { apiKey: 'test-sms-key', apiSecret: 'test-sms-secret-0123456789' };
  const sms = await startSmsEmulator(smsSecrets);
  const staff = await startStaffIdentityProvider(baseUrl);
  const settings = loadSettings({
    TASK_QUEUE: uniqueId('deals'),
    PUBLIC_BASE_URL: baseUrl,
    LINE_CHANNEL_ID: EMULATOR_DEFAULTS.loginChannelId,
    LINE_API_BASE_URL: line.baseUrl,
    LINE_LOGIN_BASE_URL: line.baseUrl,
    PAYMENT_BASE_URL: payments.baseUrl,
    PAYMENT_API_KEY: paymentSecrets.apiKey,
    PAYMENT_WEBHOOK_SECRET: paymentSecrets.webhookSecret,
    BANKCENTER_BASE_URL: bankCenter.baseUrl,
    BANKCENTER_API_KEY: bankCenterSecrets.apiKey,
    BANKCENTER_WEBHOOK_SECRET: bankCenterSecrets.webhookSecret,
    PAYOUT_BASE_URL: payouts.baseUrl,
    PAYOUT_API_KEY: payoutSecrets.apiKey,
    PAYOUT_WEBHOOK_SECRET: payoutSecrets.webhookSecret,
    SMS_BASE_URL: sms.baseUrl,
    SMS_API_KEY: smsSecrets.apiKey,
    SMS_API_SECRET: smsSecrets.apiSecret,
    ...staff.env,
    PAYMENT_REMINDER_MS: '600000',
    PAYMENT_EXPIRY_MS: '1200000',
    DECISION_WINDOW_MS: '600000',
    DISPUTE_ESCALATION_MS: '600000',
    WALLET_LOCKOUT_MS: '2000',
    // One test plays many people through one api: rate limits are tested on their own (test/edge/rate-limits.test.ts).
    RATE_LIMIT_LOGIN_MAX: '1000000',
    RATE_LIMIT_OTP_MAX: '1000000',
    RATE_LIMIT_OTP_RESEND_MAX: '1000000',
    RATE_LIMIT_PHONE_MAX: '1000000',
    RATE_LIMIT_LINKS_MAX: '1000000',
    RATE_LIMIT_STAFF_MAX: '1000000',
    RATE_LIMIT_CODEC_MAX: '1000000',
    ...options.env,
  });

  const knex = createKnex(testDatabaseUrl(), 20);
  const ledger = createLedger(knex);
  const connection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection, namespace: settings.temporalNamespace, dataConverter: dataConverterFromEnv(process.env) });
  // What the deal says goes through the real SDK to the LINE emulator, which answers as LINE
  // does (409 for a used retry key); the recording keeps the meaning for the tests to read.
  const chat = new RecordingChatPort(lineChat(settings, knex, { apiBaseUrl: line.baseUrl, mediaBaseUrl: baseUrl }).chat);
  const providerClient = createPaymentProvider({ baseUrl: payments.baseUrl, apiKey: paymentSecrets.apiKey });
  const deps = {
    knex,
    ledger,
    chat,
    payments: providerClient,
    temporal: client,
    settings,
    bankCenter: createBankCenter({ baseUrl: bankCenter.baseUrl, apiKey: bankCenterSecrets.apiKey }),
    payouts: createPayoutProvider({ baseUrl: payouts.baseUrl, apiKey: payoutSecrets.apiKey }),
  };

  const workflowBundle = await sharedWorkflowBundle();
  const nativeConnection = await NativeConnection.connect({ address: testTemporalAddress() });
  const startWorker = async () => {
    const w = await createEscrowWorker({
      dataConverter: dataConverterFromEnv(process.env),
      connection: nativeConnection,
      namespace: settings.temporalNamespace,
      taskQueue: settings.taskQueue,
      deps,
      workflowBundle,
    });
    const running = w.run();
    return { w, running };
  };
  const noWorker = { w: { shutdown: () => undefined } as unknown as Worker, running: Promise.resolve() };
  let current = options.inProcessWorker === false ? noWorker : await startWorker();

  const app = createApiApp({
    knex,
    temporal: client,
    chat,
    settings,
    verifier: lineIdentityVerifier(settings),
    extraRouters: edgeRouters(settings, knex),
  });
  server.on('request', app);

  const harness: DealHarness = {
    app,
    baseUrl,
    settings,
    knex,
    ledger,
    client,
    chat,
    line,
    payments,
    bankCenter,
    payouts,
    sms,
    staff,
    get worker() {
      return current.w;
    },
    async restartWorker() {
      current.w.shutdown();
      await current.running;
      current = await startWorker();
    },
    async newUser(opts = {}) {
      const userId = newUserId();
      line.state.addUser({ userId, displayName: `user ${userId.slice(-4)}`, friend: opts.friend ?? true });
      const res = await fetch(`${line.baseUrl}/__emulator/id-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, ttlSeconds: 3600 }),
      });
      const { idToken } = (await res.json()) as { idToken: string };
      return { userId, token: idToken };
    },
    call: (method, path, token, body, headers) => callApi(baseUrl, method, path, token, body, headers),
    async close() {
      current.w.shutdown();
      await current.running.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await payments.close();
      await bankCenter.close();
      await payouts.close();
      // The harness's emulator, which a test may have replaced after stopping the first one.
      await harness.sms?.close();
      await line.close();
      await staff.idp.close();
      await connection.close();
      await nativeConnection.close();
      await knex.destroy();
    },
  };
  return harness;
}
