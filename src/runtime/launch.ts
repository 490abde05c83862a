import { spawn, type ChildProcess } from 'node:child_process';
import { optionalString } from '../config/env';
import { webhookUrl } from '../domain/webhooks';
import { startBankCenterEmulator } from '../emulators/bankcenter';
import { EMULATOR_DEFAULTS, registerLiffApp, startLineEmulator, type RunningLineEmulator } from '../emulators/line';
import { startPaymentEmulator } from '../emulators/payment';
import { startPayoutEmulator } from '../emulators/payout';
import { startSmsEmulator } from '../emulators/sms';
import { startDevelopmentIdentityProvider } from './dev-identity';
import { freePort, isPortOpen } from './ports';

/** Pieces `npm start` and `npm run cluster` share: the emulators, child processes with prefixed output, readiness. */
export type Stopper = { name: string; stop: () => Promise<void> };

/** What the emulators started here are (a test reads what LINE was sent). */
export interface StartedEmulators {
  line?: RunningLineEmulator;
  payments?: Awaited<ReturnType<typeof startPaymentEmulator>>;
}

/** Development stand-ins for LINE, the payment provider, the bank center, the payout provider and the SMS provider. */
export async function startEmulatorsWhereNeeded(
  env: Record<string, string | undefined>,
  childEnv: Record<string, string | undefined>,
  publicBaseUrl: string,
  stoppers: Stopper[],
  say: (line: string) => void,
  options: { paymentOutcomeDelayMs?: number } = {},
): Promise<StartedEmulators> {
  const started: StartedEmulators = {};
  if (!optionalString(env, 'LINE_CHANNEL_ACCESS_TOKEN')) {
    const line = await startLineEmulator({ webhookUrl: `${publicBaseUrl}/webhooks/line` });
    started.line = line;
    stoppers.push({ name: 'line emulator', stop: line.close });
    Object.assign(childEnv, {
      LINE_API_BASE_URL: line.baseUrl,
      LINE_LOGIN_BASE_URL: line.baseUrl,
      LINE_CHANNEL_ID: EMULATOR_DEFAULTS.loginChannelId,
      LINE_CHANNEL_SECRET: EMULATOR_DEFAULTS.channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: EMULATOR_DEFAULTS.channelAccessToken,
      LINE_LOGIN_CHANNEL_SECRET: EMULATOR_DEFAULTS.loginChannelSecret,
    });
    say(`LINE emulator at ${line.baseUrl} (no LINE credentials set)`);
    const liffId = optionalString(env, 'LIFF_ID');
    if (liffId) {
      // Our LIFF app, as the README asks LINE for it (endpoint URL = PUBLIC_BASE_URL): the
      // emulator's POST /__emulator/liff/open then gives the URL LINE's LIFF browser would open.
      try {
        registerLiffApp(line.state, line.options, { liffId, endpointUrl: `${publicBaseUrl.replace(/\/+$/, '')}/` });
      } catch (err) {
        say(`LIFF app ${liffId} not registered with the LINE emulator: ${(err as Error).message}`);
      }
    }
  }
  const providers = [
    {
      prefix: 'PAYMENT',
      start: startPaymentEmulator,
      extra: options.paymentOutcomeDelayMs === undefined ? {} : { outcomeDelayMs: options.paymentOutcomeDelayMs },
    },
    { prefix: 'BANKCENTER', start: startBankCenterEmulator, extra: {} },
    { prefix: 'PAYOUT', start: startPayoutEmulator, extra: { webhookUrl: webhookUrl(publicBaseUrl, 'payouts') } },
  ] as const;
  for (const p of providers) {
    if (optionalString(env, `${p.prefix}_BASE_URL`)) continue;
    const apiKey = `emulator-${p.prefix.toLowerCase()}-key`;
    const webhookSecret = `emulator-${p.prefix.toLowerCase()}-webhook-secret`;
    const handle = await p.start({ apiKey, webhookSecret, ...p.extra });
    if (p.prefix === 'PAYMENT') started.payments = handle as StartedEmulators['payments'];
    stoppers.push({ name: `${p.prefix.toLowerCase()} emulator`, stop: handle.close });
    Object.assign(childEnv, {
      [`${p.prefix}_BASE_URL`]: handle.baseUrl,
      [`${p.prefix}_API_KEY`]: apiKey,
      [`${p.prefix}_WEBHOOK_SECRET`]: webhookSecret,
    });
    say(`${p.prefix.toLowerCase()} emulator at ${handle.baseUrl}`);
  }
  if (!optionalString(env, 'SMS_BASE_URL')) {
    const credentials = { apiKey: 'emulator-sms-key', apiSecret: 'emulator-sms-secret' };
    // No phone receives these texts, so the person clicking through reads the codes here.
    const sms = await startSmsEmulator({
      ...credentials,
      onMessage: (m) => say(`sms to +${m.to.slice(0, 3)}****${m.to.slice(-4)}: ${m.text}`),
    });
    stoppers.push({ name: 'sms emulator', stop: sms.close });
    Object.assign(childEnv, { SMS_BASE_URL: sms.baseUrl, SMS_API_KEY: credentials.apiKey, SMS_API_SECRET: credentials.apiSecret });
    say(`sms emulator at ${sms.baseUrl} (texted codes are printed here)`);
  }
  if (!optionalString(env, 'OIDC_ISSUER_URL')) {
    const idp = await startDevelopmentIdentityProvider(publicBaseUrl);
    stoppers.push({ name: 'oidc emulator', stop: idp.close });
    Object.assign(childEnv, idp.env);
    say(
      `OIDC provider emulator at ${idp.baseUrl} (no OIDC_ISSUER_URL set): staff sign in at ${publicBaseUrl}/pages/support as ${idp.people}`,
    );
  }
  return started;
}

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  quiet = false,
): ChildProcess {
  const child = spawn(command, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${name}] ${l}`)
      .join('\n') + '\n';
  child.stdout?.on('data', (c: Buffer) => quiet || process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => quiet || process.stderr.write(prefix(c)));
  return child;
}

export async function portOrFree(preferred: number): Promise<number> {
  return (await isPortOpen('127.0.0.1', preferred)) ? freePort() : preferred;
}

const HEALTH_BUDGET_MS = 120_000;

export async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + HEALTH_BUDGET_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no answer from ${url} within ${HEALTH_BUDGET_MS} ms`);
}
