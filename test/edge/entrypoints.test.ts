import { spawn } from 'node:child_process';
import path from 'node:path';
import { productionEnv } from './production-env';

/**
 * Finding 1 at the process level: `npm run api` and `npm run worker` in production stop before
 * connecting to anything when a secret is missing or malformed, exit non-zero, name the
 * variable on stderr and print no value.
 */
const ROOT = path.join(__dirname, '..', '..');

function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

const secretValues = (env: Record<string, string>) =>
  Object.entries(env)
    .filter(([name]) => /SECRET|TOKEN|KEY|DATABASE_URL/.test(name))
    .flatMap(([, v]) => v.split(/[,:@]/))
    .filter((p) => p.length >= 8);

describe.each(['src/api/main.ts', 'worker/main.ts'])('%s in production', (entry) => {
  it.each(['LINE_CHANNEL_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'FIELD_KEYS', 'OIDC_ISSUER_URL', 'OIDC_CLIENT_SECRET'])(
    'refuses to start without %s',
    async (variable) => {
      const env = productionEnv();
      delete env[variable];
      const out = await run(entry, env);
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain(variable);
      for (const value of secretValues(env)) expect(out.stderr + out.stdout).not.toContain(value);
    },
  );

  it('refuses a remote Temporal without TEMPORAL_TLS, and a client certificate without its key, before connecting', async () => {
    const remote = await run(entry, { ...productionEnv(), TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(remote.code).not.toBe(0);
    expect(remote.stderr).toContain('TEMPORAL_TLS');
    const halfPair = await run(entry, { ...productionEnv(), TEMPORAL_TLS: 'on', TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem' });
    expect(halfPair.code).not.toBe(0);
    expect(halfPair.stderr).toContain('TEMPORAL_TLS_KEY_PATH');
  });

  it('refuses a development value and a malformed DATABASE_URL without printing either', async () => {
    const dev = { ...productionEnv(), PAYMENT_API_KEY: 'emulator-payment-key' };
    const devOut = await run(entry, dev);
    expect(devOut.code).not.toBe(0);
    expect(devOut.stderr).toContain('PAYMENT_API_KEY');
    expect(devOut.stderr).not.toContain('emulator-payment-key');

    const badUrl = { ...productionEnv(), DATABASE_URL: 'postgres//escrow:hunter2-db-password@db:5432/escrow' };
    const urlOut = await run(entry, badUrl);
    expect(urlOut.code).not.toBe(0);
    expect(urlOut.stderr).toContain('DATABASE_URL');
    expect(urlOut.stderr).not.toContain('hunter2-db-password');
  });
});
