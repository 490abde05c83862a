import { ConfigError } from '../config/env';
import { startClusterSystem, type ClusterSystem } from './cluster-system';
import { portOrFree } from './launch';

/**
 * `npm run cluster`: PostgreSQL (DATABASE_URL or embedded under DATA_DIR), the real Temporal
 * server on it (built once into .cache/), the emulators, two workers and two api processes
 * behind one port, and the Temporal Web UI. Ctrl-C stops everything.
 */
const say = (line: string) => console.log(`[cluster] ${line}`);

async function main(): Promise<void> {
  const env = { ...process.env };
  let system: ClusterSystem | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await system?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    const apiPort = Number(env.API_PORT ?? (await portOrFree(3000)));
    system = await startClusterSystem({ env, apiPort, ui: true, log: say });
    if (stopping) return;
    say('ready');
    const base = system.childEnv.PUBLIC_BASE_URL!;
    console.log(`\n  API            ${base}  (${system.apis.length} api processes behind this port)`);
    console.log(`  Workers        ${system.workers.length} processes`);
    console.log(`  Chat simulator ${base}/pages/simulator`);
    console.log(`  Support console ${base}/pages/support`);
    console.log(`  Temporal       ${system.temporal.address}`);
    if (system.uiUrl) console.log(`  Temporal UI    ${system.uiUrl}`);
    if (system.emulators.line) console.log(`  LINE emulator  ${system.emulators.line.baseUrl}`);
    console.log('\nCtrl-C stops everything.\n');
  } catch (err) {
    console.error(`[cluster] ${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}`);
    await stopAll(1);
  }
}

void main();
