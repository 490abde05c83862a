import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from './data-dir';
import { goInstall, isExecutable } from './go-install';
import { freePort, isPortOpen } from './ports';
import { stopChild } from './processes';

/**
 * The Temporal Web UI for a server the CLI did not start: `github.com/temporalio/ui-server/v2`
 * built with go install like the server (the built UI ships inside the module). v2.55.0 is the
 * newest whose go.mod accepts the Go we have (1.26.8). Its package is `cmd/server`, so it gets a
 * folder of its own: the binary is named `server` too.
 */
export const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2/cmd/server';
export const TEMPORAL_UI_VERSION = 'v2.55.0';
export const TEMPORAL_UI_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal-ui', TEMPORAL_UI_VERSION);

export interface TemporalUi {
  url: string;
  stop(): Promise<void>;
}

export async function startTemporalUi(options: {
  env: Record<string, string | undefined>;
  temporalAddress: string;
  /** Preferred port; a free one when it is taken. */
  port: number;
  codecEndpoint: string;
  log: (line: string) => void;
}): Promise<TemporalUi> {
  const binary = path.join(TEMPORAL_UI_CACHE_DIR, 'server');
  if (!isExecutable(binary)) {
    await goInstall({
      what: 'the Temporal Web UI',
      packages: [TEMPORAL_UI_MODULE],
      version: TEMPORAL_UI_VERSION,
      gobin: TEMPORAL_UI_CACHE_DIR,
      env: options.env,
      log: options.log,
    });
  }
  const port = options.port !== 0 && !(await isPortOpen('127.0.0.1', options.port)) ? options.port : await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The UI server's loader did not apply templates in our trials, so its config is written per start.
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'escrow-temporal-ui-'));
  fs.writeFileSync(path.join(configDir, 'cluster.yaml'), uiConfig({ ...options, port, url }));
  const child: ChildProcess = spawn(binary, ['--root', '/', '--config', configDir, '--env', 'cluster', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal UI exited (${child.exitCode}):\n${output}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`the Temporal UI did not answer at ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** JSON is YAML: the settings that worked (see /work/shared/reference/temporal-cluster.md). */
function uiConfig(o: { temporalAddress: string; port: number; url: string; codecEndpoint: string }): string {
  return JSON.stringify(
    {
      temporalGrpcAddress: o.temporalAddress,
      host: '127.0.0.1',
      port: o.port,
      enableUi: true,
      defaultNamespace: 'default',
      disableNewsFetch: true,
      notifyOnNewVersion: false,
      refreshInterval: '1m',
      cors: { cookieInsecure: true, allowOrigins: [o.url] },
      codec: { endpoint: o.codecEndpoint, passAccessToken: false, includeCredentials: false },
    },
    null,
    2,
  );
}
