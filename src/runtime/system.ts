import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ChatPort } from '../chat/port';
import { ConfigError } from '../config/env';
import type { ProviderSettings, Settings } from '../config/settings';
import type { ProviderClientOptions } from '../payment/provider-client';
import { createKnex } from '../db/knex';
import { assertRestrictedRole } from '../db/role-check';
import { createLedger, type Ledger } from '../ledger';
import { createLineAdapter, type LineAdapter } from '../line/adapter';
import type { RetryPolicy } from '../line/retry-policy';
import { LineChatPort } from '../line/chat-port';
import { isLanguage, type Language } from '../line/render';
import { createPaymentProvider, type PaymentProvider } from '../payment';
import { createBankCenter, type BankCenter } from '../bankcenter';
import { createPayoutProvider, type PayoutProvider } from '../payout';
import { dataConverterFor } from '../temporal/codec';
import { temporalConnectOptions } from '../temporal/connection-options';

/**
 * The composition root shared by the worker and the api: every outside part built from the
 * settings, reached only through its production base URL setting.
 */
export interface System {
  knex: Knex;
  ledger: Ledger;
  chat: ChatPort;
  line: LineAdapter;
  payments: PaymentProvider;
  bankCenter: BankCenter;
  payouts: PayoutProvider;
  temporal: Client;
  connection: Connection;
  settings: Settings;
  close(): Promise<void>;
}

export async function connectSystem(
  settings: Settings,
  options: { clientInterceptors?: { workflow: WorkflowClientInterceptor[] } } = {},
): Promise<System> {
  if (!settings.databaseUrl) throw new ConfigError('DATABASE_URL', 'is required by the worker and the api');
  if (!settings.temporalAddress) throw new ConfigError('TEMPORAL_ADDRESS', 'is required by the worker and the api');
  const knex = createKnex(settings.databaseUrl, 20);
  try {
    await assertRestrictedRole(knex, 'DATABASE_URL');
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  // TLS, mTLS and an API key as configured: the readiness check and the schedules use this connection too.
  const connection = await Connection.connect(temporalConnectOptions(settings));
  const temporal = new Client({
    connection,
    namespace: settings.temporalNamespace,
    dataConverter: dataConverterFor(settings.keys.payload),
    interceptors: options.clientInterceptors,
  });
  const { adapter, chat } = lineChat(settings, knex);
  return {
    knex,
    ledger: createLedger(knex),
    chat,
    line: adapter,
    payments: createPaymentProvider(providerClientOptions(settings.payments)),
    bankCenter: createBankCenter(providerClientOptions(settings.bankCenter)),
    payouts: createPayoutProvider(providerClientOptions(settings.payouts)),
    temporal,
    connection,
    settings,
    async close() {
      await connection.close();
      await knex.destroy();
    },
  };
}

/**
 * LINE as the deal speaks to it: the real SDK at the Messaging API base URL, each message rendered
 * in its recipient's language. Tests pass the emulator's base URL and, where they must not wait
 * for real backoff, a shorter retry policy.
 */
export function lineChat(
  settings: Settings,
  knex: Knex,
  options: { apiBaseUrl?: string; mediaBaseUrl?: string; retry?: Partial<RetryPolicy> } = {},
): { adapter: LineAdapter; chat: LineChatPort } {
  const adapter = createLineAdapter({
    channelAccessToken: settings.line.channelAccessToken,
    apiBaseUrl: options.apiBaseUrl ?? settings.line.apiBaseUrl,
    timeoutMs: settings.line.apiTimeoutMs,
    retry: options.retry,
  });
  const chat = new LineChatPort(adapter, (userId) => languageOf(knex, userId), {
    mediaBaseUrl: options.mediaBaseUrl ?? settings.publicBaseUrl,
  });
  return { adapter, chat };
}

export function providerClientOptions(provider: ProviderSettings): ProviderClientOptions {
  return { baseUrl: provider.baseUrl, apiKey: provider.apiKey, timeoutMs: provider.timeoutMs };
}

async function languageOf(knex: Knex, userId: string): Promise<Language> {
  const row = await knex('users').where({ user_id: userId }).first('language');
  return row && isLanguage(row.language) ? row.language : 'zh-TW';
}
