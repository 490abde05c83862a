import { webhookUrl } from '../domain/webhooks';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ConfigError, hostPortSetting, optionalString } from '../config/env';
import { migrateDatabase } from '../db/migrate';
import { startBankCenterEmulator } from '../emulators/bankcenter';
import { EMULATOR_DEFAULTS, startLineEmulator } from '../emulators/line';
import { startPaymentEmulator } from '../emulators/payment';
import { startPayoutEmulator } from '../emulators/payout';
import { startSmsEmulator } from '../emulators/sms';
import { startDevelopmentIdentityProvider } from './dev-identity';
import { dataDir, PROJECT_ROOT } from './data-dir';
import { freePort } from './ports';
import { resolveDatabase } from './postgres';
import { stopChild } from './processes';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';

/**
 * `npm start`: the whole system on embedded defaults. PostgreSQL (DATABASE_URL or embedded),
 * Temporal (TEMPORAL_ADDRESS or our dev server, persisted under DATA_DIR), emulators for every
 * outside service without real credentials, then the worker and the api as child processes.
 * Ctrl-C stops every child, in reverse order.
 */
type Stopper = { name: string; stop: () => Promise<void> };

const say = (line: string) => console.log(`[start] ${line}`);

async function main(): Promise<void> {
  const env = { ...process.env };
  const stoppers: Stopper[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const s of stoppers.reverse()) {
      say(`stopping ${s.name}`);
      await s.stop().catch((err) => say(`${s.name}: ${(err as Error).message}`));
    }
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const data = dataDir(env);
    const database = await resolveDatabase(env, {});
    stoppers.push({ name: 'postgres', stop: database.stop });
    const applied = await migrateDatabase(database);
    say(`PostgreSQL ready${database.embedded ? ' (embedded)' : ''}; migrations applied: ${applied.length}`);

    // The api's address first: the dev server's UI is told where our codec endpoint is.
    const apiPort = Number(optionalString(env, 'API_PORT') ?? (await portOrFree(3000)));
    const publicBaseUrl = optionalString(env, 'PUBLIC_BASE_URL') ?? `http://127.0.0.1:${apiPort}`;

    let temporalAddress = hostPortSetting(env, 'TEMPORAL_ADDRESS');
    let temporalUi: string | undefined;
    if (temporalAddress === undefined) {
      const cli = await findTemporalCli(env, say);
      const uiPort = Number(optionalString(env, 'TEMPORAL_UI_PORT') ?? 8233);
      const server = await startTemporalDevServer({
        cli,
        dbFilename: path.join(data, 'temporal.sqlite'),
        uiPort: await portOrFree(uiPort),
        uiCodecEndpoint: `${publicBaseUrl}/codec`,
        log: () => undefined,
      });
      stoppers.push({ name: 'temporal', stop: server.stop });
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }
    say(`Temporal ready at ${temporalAddress}`);

    const childEnv: Record<string, string | undefined> = {
      ...env,
      // The app's restricted role; the owner's URL stays with this process (migrations only).
      DATABASE_URL: database.url,
      MIGRATION_DATABASE_URL: undefined,
      TEMPORAL_ADDRESS: temporalAddress,
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: publicBaseUrl,
      // The worker's probes and metrics, and the SDK's exporter: free ports unless chosen.
      WORKER_HTTP_PORT: optionalString(env, 'WORKER_HTTP_PORT') ?? String(await portOrFree(9464)),
      TEMPORAL_METRICS_BIND_ADDRESS: optionalString(env, 'TEMPORAL_METRICS_BIND_ADDRESS') ?? `127.0.0.1:${await portOrFree(9465)}`,
      ...(temporalUi ? { TEMPORAL_UI_URL: temporalUi } : {}),
      // The dev server's UI may call our codec endpoint from its origin.
      ...(temporalUi && !optionalString(env, 'TEMPORAL_UI_ORIGINS') ? { TEMPORAL_UI_ORIGINS: new URL(temporalUi).origin } : {}),
    };
    await startEmulatorsWhereNeeded(env, childEnv, publicBaseUrl, stoppers);

    // Node itself with tsx as a loader, not the tsx wrapper: the wrapper SIGKILLs a child that is slow
    // to acknowledge a relayed signal, which would orphan that child's own children.
    const worker = spawnChild('worker', process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], childEnv);
    stoppers.push({ name: 'worker', stop: () => stopChild(worker) });
    const api = spawnChild('api', process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'api', 'main.ts')], childEnv);
    stoppers.push({ name: 'api', stop: () => stopChild(api) });
    for (const [name, child] of [
      ['worker', worker],
      ['api', api],
    ] as const) {
      child.once('exit', (code) => {
        if (!stopping) {
          say(`${name} exited with code ${code}; stopping everything`);
          void stopAll(1);
        }
      });
    }
    await waitForHealth(`http://127.0.0.1:${apiPort}/healthz`);
    // The worker answers /readyz once it polls (after bundling the workflows).
    await waitForHealth(`http://127.0.0.1:${childEnv.WORKER_HTTP_PORT}/readyz`);
    say('ready');
    console.log(`\n  API            ${publicBaseUrl}`);
    console.log(`  Chat simulator ${publicBaseUrl}/pages/simulator`);
    console.log(`  Support console ${publicBaseUrl}/pages/support`);
    if (temporalUi) console.log(`  Temporal UI    ${temporalUi}`);
    console.log(`  Metrics        ${publicBaseUrl}/metrics (api), http://127.0.0.1:${childEnv.WORKER_HTTP_PORT}/metrics (worker)`);
    if (childEnv.TEMPORAL_METRICS_BIND_ADDRESS !== 'off')
      console.log(`  SDK metrics    http://${childEnv.TEMPORAL_METRICS_BIND_ADDRESS}/metrics (Temporal SDK, worker)`);
    if (childEnv.LINE_API_BASE_URL && !env.LINE_API_BASE_URL) console.log(`  LINE emulator  ${childEnv.LINE_API_BASE_URL}`);
    console.log('\nCtrl-C stops everything.\n');
  } catch (err) {
    console.error(`[start] ${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}`);
    await stopAll(1);
  }
}

/** Development stand-ins for LINE, the payment provider, the bank center, the payout provider and the SMS provider. */
async function startEmulatorsWhereNeeded(
  env: Record<string, string | undefined>,
  childEnv: Record<string, string | undefined>,
  publicBaseUrl: string,
  stoppers: Stopper[],
): Promise<void> {
  if (!optionalString(env, 'LINE_CHANNEL_ACCESS_TOKEN')) {
    const line = await startLineEmulator({ webhookUrl: `${publicBaseUrl}/webhooks/line` });
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
  }
  const providers = [
    { prefix: 'PAYMENT', start: startPaymentEmulator, extra: {} },
    { prefix: 'BANKCENTER', start: startBankCenterEmulator, extra: {} },
    { prefix: 'PAYOUT', start: startPayoutEmulator, extra: { webhookUrl: webhookUrl(publicBaseUrl, 'payouts') } },
  ] as const;
  for (const p of providers) {
    if (optionalString(env, `${p.prefix}_BASE_URL`)) continue;
    const apiKey = `emulator-${p.prefix.toLowerCase()}-key`;
    const webhookSecret = `emulator-${p.prefix.toLowerCase()}-webhook-secret`;
    const handle = await p.start({ apiKey, webhookSecret, ...p.extra });
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
}

function spawnChild(name: string, command: string, args: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(command, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${name}] ${l}`)
      .join('\n') + '\n';
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  return child;
}

async function portOrFree(preferred: number): Promise<number> {
  const { isPortOpen } = await import('./ports');
  return (await isPortOpen('127.0.0.1', preferred)) ? freePort() : preferred;
}

const HEALTH_BUDGET_MS = 120_000;

async function waitForHealth(url: string): Promise<void> {
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

void main();
