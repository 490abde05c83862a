import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `go install module/pkg@version` into a folder of our cache (GOBIN), with progress on screen:
 * how the Temporal CLI, the Temporal server and its SQL tool are built here. Nothing downloads a
 * prebuilt binary; Go fetches the module's source from its module registry and builds it.
 */
export interface GoInstallRequest {
  /** What people read in the progress lines, e.g. "the Temporal server". */
  what: string;
  /** Package paths of one module, each built at `version`. */
  packages: string[];
  version: string;
  gobin: string;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}

const PROGRESS_INTERVAL_MS = 15_000;

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The `go` command, or undefined when Go is not installed. */
export function findGo(env: Record<string, string | undefined>): string | undefined {
  return findOnPath('go', env.PATH ?? '') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

export async function goInstall(request: GoInstallRequest): Promise<void> {
  const go = findGo(request.env);
  const targets = request.packages.map((p) => `${p}@${request.version}`);
  if (go === undefined) throw new Error(`Go is not installed: cannot build ${request.what} (${targets.join(', ')}).`);
  fs.mkdirSync(request.gobin, { recursive: true });
  request.log(
    `Building ${request.what} ${request.version} from the Go module registry into ${request.gobin}.\n` +
      'The first build takes several minutes; later starts reuse it.',
  );
  const started = Date.now();
  const child = spawn(go, ['install', ...targets], {
    env: { ...process.env, ...request.env, GOBIN: request.gobin, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-8000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-8000)));
  const ticker = setInterval(
    () => request.log(`  … still building ${request.what} (${Math.round((Date.now() - started) / 1000)} s)`),
    PROGRESS_INTERVAL_MS,
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0) throw new Error(`go install ${targets.join(' ')} failed:\n${output.slice(-4000)}`);
  request.log(`${request.what} built in ${Math.round((Date.now() - started) / 1000)} s.`);
}
