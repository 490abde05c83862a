import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, optionalString } from '../config/env';
import { PROJECT_ROOT } from './data-dir';
import { findGo, findOnPath, goInstall, isExecutable } from './go-install';

/**
 * Finding a `temporal` CLI: TEMPORAL_CLI, then PATH, then our cached build. Nothing here
 * downloads a prebuilt binary; the cache is filled from the Go module registry, the newest
 * tag that `go install pkg@version` accepts (later tags carry a `replace` directive).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal-cli', TEMPORAL_CLI_VERSION);

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

async function buildTemporalCli(env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  if (findGo(env) === undefined) {
    throw new Error(
      'No Temporal CLI: TEMPORAL_CLI is not set, `temporal` is not on PATH, and Go is not installed to build ' +
        `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}. Install Go, or set TEMPORAL_CLI, or set TEMPORAL_ADDRESS.`,
    );
  }
  await goInstall({
    what: 'the Temporal CLI',
    packages: [TEMPORAL_CLI_MODULE],
    version: TEMPORAL_CLI_VERSION,
    gobin: TEMPORAL_CLI_CACHE_DIR,
    env,
    log,
  });
}

export function temporalCliVersion(cli: string): string {
  const result = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr).trim();
}
