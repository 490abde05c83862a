import http from 'node:http';
import { callApi } from '../support/http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApiApp } from '../../src/api/app';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import { RecordingChatPort } from '../../src/chat/recording';
import { loadSettings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { EMULATOR_DEFAULTS, newUserId, startLineEmulator } from '../../src/emulators/line';
import { startPaymentEmulator } from '../../src/emulators/payment';
import { startSmsEmulator } from '../../src/emulators/sms';
import { startBankCenterEmulator } from '../../src/emulators/bankcenter';
import { startPayoutEmulator } from '../../src/emulators/payout';
import { createBankCenter } from '../../src/bankcenter';
import { createPayoutProvider } from '../../src/payout';
import { edgeRouters } from '../../src/api/edge-routers';
import { createLedger } from '../../src/ledger';
import { lineChat } from '../../src/runtime/system';
import { LINE_WEBHOOK_PATH, lineWebhookRouter, startInboxProcessor } from '../../src/line/webhook';
import { createPaymentProvider } from '../../src/payment';
import { createEscrowWorker } from '../../worker/create-worker';
import { sharedWorkflowBundle } from '../support/bundle';
import type { LineDealHarness } from '../line-webhook/harness';
import { startStaffIdentityProvider } from '../support/staff-identity';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';

/**
 * Everything a person meets, in one process, for the journeys of issue 10: the LINE emulator
 * delivering what the chat simulator types (signed webhooks, the durable inbox), our pages, the
 * media and the simulator on the api's origin (as `npm start` serves them), the payment
 * provider, the bank verification center and the payout provider emulators, a real worker on
 * the real Temporal server and PostgreSQL.
 */
const ADAPTER_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const FAST_INBOX = { pollIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 400 };

/** `settings` overrides the journeys' defaults (durations are settings: a journey about a timer passes a short one). */
export async function startJourneyHarness(settingsEnv: Record<string, string> = {}): Promise<LineDealHarness> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookUrl = `${baseUrl}${LINE_WEBHOOK_PATH}`;

  const line = await startLineEmulator({ webhookUrl });
  const paymentSecrets = { apiKey: 'test-payment-key', webhookSecret: 'test-payment-webhook-secret-0123456789' };
  const payments = await startPaymentEmulator({ ...paymentSecrets, outcomeDelayMs: 20, callbackBackoffBaseMs: 50, callbackMaxAttempts: 8 });
  const smsSecrets = { apiKey: 'test-sms-key', apiSecret: 'test-sms-secret-0123456789' };
  const sms = await startSmsEmulator(smsSecrets);
  const fast = { outcomeDelayMs: 20, callbackBackoffBaseMs: 50, callbackMaxAttempts: 8 };
  const bankCenterSecrets = { apiKey: 'test-bankcenter-key', webhookSecret: 'test-bankcenter-webhook-secret-0123456789' };
  const bankCenter = await startBankCenterEmulator({ ...bankCenterSecrets, ...fast });
  const payoutSecrets = { apiKey: 'test-payout-key', webhookSecret: 'test-payout-webhook-secret-0123456789' };
  const payouts = await startPayoutEmulator({ ...payoutSecrets, webhookUrl: `${baseUrl}/webhooks/payouts`, ...fast });
  const staff = await startStaffIdentityProvider(baseUrl);
  const settings = loadSettings({
    ...staff.env,
    TASK_QUEUE: uniqueId('line-deals'),
    PUBLIC_BASE_URL: baseUrl,
    LINE_CHANNEL_ID: EMULATOR_DEFAULTS.loginChannelId,
    LINE_CHANNEL_SECRET: EMULATOR_DEFAULTS.channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: EMULATOR_DEFAULTS.channelAccessToken,
    LINE_API_BASE_URL: line.baseUrl,
    LINE_LOGIN_BASE_URL: line.baseUrl,
    PAYMENT_BASE_URL: payments.baseUrl,
    PAYMENT_API_KEY: paymentSecrets.apiKey,
    PAYMENT_WEBHOOK_SECRET: paymentSecrets.webhookSecret,
    SMS_BASE_URL: sms.baseUrl,
    SMS_API_KEY: smsSecrets.apiKey,
    SMS_API_SECRET: smsSecrets.apiSecret,
    BANKCENTER_BASE_URL: bankCenter.baseUrl,
    BANKCENTER_API_KEY: bankCenterSecrets.apiKey,
    BANKCENTER_WEBHOOK_SECRET: bankCenterSecrets.webhookSecret,
    PAYOUT_BASE_URL: payouts.baseUrl,
    PAYOUT_API_KEY: payoutSecrets.apiKey,
    PAYOUT_WEBHOOK_SECRET: payoutSecrets.webhookSecret,
    RATE_LIMIT_LOGIN_MAX: '1000000',
    RATE_LIMIT_OTP_MAX: '1000000',
    RATE_LIMIT_OTP_RESEND_MAX: '1000000',
    RATE_LIMIT_PHONE_MAX: '1000000',
    RATE_LIMIT_LINKS_MAX: '1000000',
    RATE_LIMIT_STAFF_MAX: '1000000',
    PAYMENT_REMINDER_MS: '600000',
    PAYMENT_EXPIRY_MS: '1200000',
    DECISION_WINDOW_MS: '600000',
    DISPUTE_ESCALATION_MS: '600000',
    ...settingsEnv,
  });

  const knex = createKnex(testDatabaseUrl(), 20);
  const ledger = createLedger(knex);
  const temporalAddress = testTemporalAddress();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: settings.temporalNamespace });
  const { adapter, chat: lineChatPort } = lineChat(settings, knex, {
    apiBaseUrl: line.baseUrl,
    mediaBaseUrl: baseUrl,
    retry: ADAPTER_RETRY,
  });
  // What the deal says goes to LINE for real and is also kept, by meaning, for the shared steps.
  const chat = new RecordingChatPort(lineChatPort);
  const deps = {
    knex,
    ledger,
    chat,
    payments: createPaymentProvider({ baseUrl: payments.baseUrl, apiKey: paymentSecrets.apiKey }),
    temporal: client,
    settings,
    bankCenter: createBankCenter({ baseUrl: bankCenter.baseUrl, apiKey: bankCenterSecrets.apiKey }),
    payouts: createPayoutProvider({ baseUrl: payouts.baseUrl, apiKey: payoutSecrets.apiKey }),
  };

  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const startWorker = async () => {
    const w = await createEscrowWorker({
      connection: nativeConnection,
      namespace: settings.temporalNamespace,
      taskQueue: settings.taskQueue,
      deps,
      workflowBundle: await sharedWorkflowBundle(),
    });
    return { w, running: w.run() };
  };
  let current = await startWorker();

  const processor = startInboxProcessor({
    knex,
    temporal: client,
    chat,
    settings,
    line: adapter,
    log: () => undefined,
    options: FAST_INBOX,
  });
  const app = createApiApp({
    knex,
    temporal: client,
    chat,
    settings,
    verifier: lineIdentityVerifier(settings),
    extraRouters: [
      lineWebhookRouter({ knex, channelSecret: settings.line.channelSecret, onStored: () => processor.wake(), log: () => undefined }),
      ...edgeRouters(settings, knex),
    ],
  });
  server.on('request', app);

  const relay = async (body: Record<string, unknown>) => {
    const res = await fetch(`${line.baseUrl}/__emulator/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as { deliveries?: { status: number }[] };
    if (res.status !== 200 || out.deliveries?.[0]?.status !== 200) throw new Error(`relay: ${res.status} ${JSON.stringify(out)}`);
  };

  const harness: LineDealHarness = {
    baseUrl,
    webhookUrl,
    settings,
    knex,
    ledger,
    client,
    line,
    payments,
    sms,
    bankCenter,
    payouts,
    staff,
    adapter,
    processor,
    adapterRetry: ADAPTER_RETRY,
    chatFailures: chat.failures,
    chat,
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
      line.state.addUser({ userId, displayName: `user ${userId.slice(-4)}`, friend: opts.friend ?? true, language: opts.language });
      const res = await fetch(`${line.baseUrl}/__emulator/id-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, ttlSeconds: 3600 }),
      });
      const { idToken } = (await res.json()) as { idToken: string };
      return { userId, token: idToken };
    },
    say: (userId, text) => relay({ type: 'text', userId, text }),
    tap: (userId, data) => relay({ type: 'postback', userId, data }),
    call: (method, path, token, body, headers) => callApi(baseUrl, method, path, token, body, headers),
    async close() {
      await processor.stop();
      current.w.shutdown();
      await current.running.catch(() => undefined);
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await payments.close();
      await sms.close();
      await bankCenter.close();
      await payouts.close();
      await staff.idp.close();
      await line.close();
      await connection.close();
      await nativeConnection.close();
      await knex.destroy();
    },
  };
  return harness;
}
