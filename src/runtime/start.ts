import path from 'node:path';
import { ConfigError, hostPortSetting, optionalString } from '../config/env';
import { migrateDatabase } from '../db/migrate';
import { dataDir, PROJECT_ROOT } from './data-dir';
import { portOrFree, spawnChild, startEmulatorsWhereNeeded, waitForHealth, type Stopper } from './launch';
import { resolveDatabase } from './postgres';
import { stopChild } from './processes';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';
import { PLAINTEXT_LOCAL_TEMPORAL_ENV } from '../temporal/connection-options';

/**
 * `npm start`: the whole system on embedded defaults. PostgreSQL (DATABASE_URL or embedded),
 * Temporal (TEMPORAL_ADDRESS or our dev server, persisted under DATA_DIR), emulators for every
 * outside service without real credentials, then the worker and the api as child processes.
 * Ctrl-C stops every child, in reverse order.
 */
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
    let ownServer = false;
    if (temporalAddress === undefined) {
      ownServer = true;
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
      // Our own dev server speaks plaintext; an outside Temporal keeps the TLS settings given.
      ...(ownServer ? PLAINTEXT_LOCAL_TEMPORAL_ENV : {}),
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: publicBaseUrl,
      // The worker's probes and metrics, and the SDK's exporter: free ports unless chosen.
      WORKER_HTTP_PORT: optionalString(env, 'WORKER_HTTP_PORT') ?? String(await portOrFree(9464)),
      TEMPORAL_METRICS_BIND_ADDRESS: optionalString(env, 'TEMPORAL_METRICS_BIND_ADDRESS') ?? `127.0.0.1:${await portOrFree(9465)}`,
      ...(temporalUi ? { TEMPORAL_UI_URL: temporalUi } : {}),
      // The dev server's UI may call our codec endpoint from its origin.
      ...(temporalUi && !optionalString(env, 'TEMPORAL_UI_ORIGINS') ? { TEMPORAL_UI_ORIGINS: new URL(temporalUi).origin } : {}),
    };
    await startEmulatorsWhereNeeded(env, childEnv, publicBaseUrl, stoppers, say);

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

void main();
