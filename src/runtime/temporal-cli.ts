import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, optionalString } from '../config/env';
import { PROJECT_ROOT } from './data-dir';

/**
 * Finding a `temporal` CLI: TEMPORAL_CLI, then PATH, then our cached build. Nothing here
 * downloads a prebuilt binary; the cache is filled from the Go module registry, the newest
 * tag that `go install pkg@version` accepts (later tags carry a `replace` directive).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal-cli', TEMPORAL_CLI_VERSION);

const PROGRESS_INTERVAL_MS = 15_000;

export async function findTemporalCli(
  env: Record<string, string | undefined>,
  log: (line: string) => void = (l) => console.log(l),
): Promise<string> {
  const explicit = optionalString(env, 'TEMPORAL_CLI');
  if (explicit !== undefined) {
    if (!isExecutable(explicit)) throw new ConfigError('TEMPORAL_CLI', `is not an executable file: ${explicit}`);
    return explicit;
  }
  const onPath = findOnPath('temporal', env.PATH ?? '');
  if (onPath !== undefined) return onPath;
  const cached = path.join(TEMPORAL_CLI_CACHE_DIR, 'temporal');
  if (isExecutable(cached)) return cached;
  await buildTemporalCli(env, log);
  if (!isExecutable(cached)) throw new Error(`go install finished but ${cached} is missing`);
  return cached;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function findGo(env: Record<string, string | undefined>): string {
  const go = findOnPath('go', env.PATH ?? '') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (go === undefined) {
    throw new Error(
      'No Temporal CLI: TEMPORAL_CLI is not set, `temporal` is not on PATH, and Go is not installed to build ' +
        `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}. Install Go, or set TEMPORAL_CLI, or set TEMPORAL_ADDRESS.`,
    );
  }
  return go;
}

async function buildTemporalCli(env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  const go = findGo(env);
  fs.mkdirSync(TEMPORAL_CLI_CACHE_DIR, { recursive: true });
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module registry into ${TEMPORAL_CLI_CACHE_DIR}.\n` +
      'The first build takes several minutes; later starts reuse it.',
  );
  const started = Date.now();
  const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, ...env, GOBIN: TEMPORAL_CLI_CACHE_DIR, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const ticker = setInterval(
    () => log(`  … still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`),
    PROGRESS_INTERVAL_MS,
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed:\n${output.slice(-4000)}`);
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s.`);
}

export function temporalCliVersion(cli: string): string {
  const result = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr).trim();
}
