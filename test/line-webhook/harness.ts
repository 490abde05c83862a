import http from 'node:http';
import { callApi } from '../support/http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApiApp } from '../../src/api/app';
import { lineIdentityVerifier } from '../../src/api/line-identity';
import type { Outgoing } from '../../src/chat/messages';
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
import { createLedger } from '../../src/ledger';
import type { LineAdapter } from '../../src/line/adapter';
import { lineChat } from '../../src/runtime/system';
import {
  LINE_WEBHOOK_PATH,
  lineWebhookRouter,
  startInboxProcessor,
  type InboxProcessor,
  type InboxProcessorDeps,
} from '../../src/line/webhook';
import { createPaymentProvider } from '../../src/payment';
import { edgeRouters } from '../../src/api/edge-routers';
import { createEscrowWorker } from '../../worker/create-worker';
import { sharedWorkflowBundle } from '../support/bundle';
import type { DealHarness } from '../support/deal-harness';
import { startStaffIdentityProvider } from '../support/staff-identity';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';

/**
 * The deal harness's building blocks with LINE for real: the worker and the webhook speak to the
 * LINE emulator through LineChatPort and the LINE adapter, and the emulator delivers typed
 * messages and taps, signed, to our webhook. The chat port also records what the deal said, so
 * the shared deal steps (which read codes from the recording) work unchanged.
 */
export interface LineDealHarness extends DealHarness {
  webhookUrl: string;
  adapter: LineAdapter;
  processor: InboxProcessor;
  /** Every send through the chat port that LINE failed or refused (one entry per try). */
  readonly chatFailures: { outgoing: Outgoing; error: unknown }[];
  /** Retry policy of the adapter: short, so fault tests do not wait. */
  readonly adapterRetry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** A LINE user known to the emulator (friend unless told otherwise) with an ID token. */
  newUser(options?: { friend?: boolean; language?: string }): Promise<{ userId: string; token: string }>;
  /** The user types a text / taps a postback in the emulated LINE app. */
  say(userId: string, text: string): Promise<void>;
  tap(userId: string, data: string): Promise<void>;
}

const ADAPTER_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const FAST_INBOX = { pollIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 400 };

export interface LineDealHarnessOptions {
  processor?: Partial<InboxProcessorDeps>;
  /** A Temporal server of the test's own (an outage test stops it); the shared one otherwise. */
  temporalAddress?: string;
  /** The api's client connection (e.g. a shorter gRPC retry, so an outage fails each call in well under a second). */
  clientConnection?: Partial<ConnectionOptions>;
  /** Settings over the harness's defaults; `undefined` removes one (its built-in default applies). */
  settings?: Record<string, string | undefined>;
}

export async function startLineDealHarness(options: LineDealHarnessOptions = {}): Promise<LineDealHarness> {
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
  const env: Record<string, string | undefined> = {
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
    PAYMENT_REMINDER_MS: '600000',
    PAYMENT_EXPIRY_MS: '1200000',
    DECISION_WINDOW_MS: '600000',
    DISPUTE_ESCALATION_MS: '600000',
    // No platform fee here (test/deal/fees.test.ts has them): amounts in these tests stay whole.
    PLATFORM_FEES: JSON.stringify(Object.fromEntries(['TWD', 'JPY', 'THB', 'USD'].map((c) => [c, { bps: 0, minMinor: 0 }]))),
    ...options.settings,
  };
  const settings = loadSettings(Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)));

  const knex = createKnex(testDatabaseUrl(), 20);
  const ledger = createLedger(knex);
  const temporalAddress = options.temporalAddress ?? testTemporalAddress();
  const connection = await Connection.connect({ ...options.clientConnection, address: temporalAddress });
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
    bankCenter: createBankCenter({ baseUrl: bankCenter.baseUrl, apiKey: bankCenterSecrets.apiKey }),
    payouts: createPayoutProvider({ baseUrl: payouts.baseUrl, apiKey: payoutSecrets.apiKey }),
    temporal: client,
    settings,
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
    ...options.processor,
    options: { ...FAST_INBOX, ...options.processor?.options },
  });
  const app = createApiApp({
    knex,
    temporal: client,
    chat,
    settings,
    verifier: lineIdentityVerifier(settings),
    extraRouters: [
      // LINE Login, media (with the photos sellers send), the chat simulator and our pages, as the api serves them outside production.
      ...edgeRouters(settings, knex),
      lineWebhookRouter({ knex, channelSecret: settings.line.channelSecret, onStored: () => processor.wake(), log: () => undefined }),
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
