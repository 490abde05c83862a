import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/runtime/ports';

/** All processes whose parent chain leads to `root`, read from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      /* gone */
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};

function commandLine(pid: number): string {
  try {
    return `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 200)}`;
  } catch {
    return `${pid} (gone)`;
  }
}

describe('npm start', () => {
  it('brings up PostgreSQL, Temporal, worker and api, prints the URLs, and leaves nothing behind on Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'escrow-start-'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    };
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PUBLIC_BASE_URL', 'OIDC_ISSUER_URL', 'TEMPORAL_UI_ORIGINS']) delete env[name];
    // What `npm start` runs: node with tsx as a loader.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'runtime', 'start.ts')], {
      cwd: path.join(__dirname, '..', '..'),
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const deadline = Date.now() + 240_000;
    while (!output.includes('Ctrl-C stops everything') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output).toContain('Ctrl-C stops everything');
    expect(output).toMatch(/API\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
    const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    // Issue 13: /metrics on the api and on the worker's own port, the SDK's exporter too.
    expect(await (await fetch(`${api}/metrics`)).text()).toContain('# TYPE escrow_deals gauge');
    const workerMetrics = /Metrics\s+\S+ \(api\), (http:\/\/127\.0\.0\.1:\d+\/metrics) \(worker\)/.exec(output)![1]!;
    expect(await (await fetch(workerMetrics)).text()).toContain('# TYPE escrow_deals gauge');
    expect((await fetch(workerMetrics.replace('/metrics', '/readyz'))).status).toBe(200);
    // The SMS emulator is wired in: a phone-binding code is texted, and printed for the person at the console.
    const line = /LINE emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
    const post = async (url: string, body: unknown) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const { userId } = (await post(`${line}/__emulator/users`, { displayName: 'start test' })) as { userId: string };
    const { idToken } = (await post(`${line}/__emulator/id-token`, { userId, ttlSeconds: 600 })) as { idToken: string };
    const bind = await fetch(`${api}/api/phone-binding`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '0912-345-678' }),
    });
    expect(bind.status).toBe(202);
    expect(output).toMatch(/sms to \+886\*{4}5678: .*\d{6}/);

    // Staff sign in through the OIDC provider emulator it started: the console's flow ends in a session.
    const login = await fetch(`${api}/auth/staff/login?next=%2Fpages%2Fsupport`, { redirect: 'manual' });
    const authorize = new URL(login.headers.get('location')!);
    expect(output).toContain(`OIDC provider emulator at ${authorize.origin}`);
    authorize.searchParams.set('emulator_user', 'amy');
    const back = (await fetch(authorize, { redirect: 'manual' })).headers.get('location')!;
    const callback = await fetch(back, { redirect: 'manual', headers: { cookie: login.headers.get('set-cookie')!.split(';')[0] } });
    expect(callback.headers.get('location')).toBe('/pages/support');
    const session = callback.headers
      .getSetCookie()
      .find((c) => c.startsWith('staff_session='))!
      .split(';')[0];
    expect((await fetch(`${api}/api/support/disputes`, { headers: { cookie: session } })).status).toBe(200);

    const family = descendants(child.pid!);
    expect(family.length).toBeGreaterThanOrEqual(3); // postgres, temporal, worker, api (and their helpers)
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Children may take a moment to be reaped after the parent is gone (postgres backends, esbuild).
    const deadline2 = Date.now() + 15_000;
    while (family.some(alive) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 250));
    expect(family.filter(alive).map(commandLine)).toEqual([]);
  }, 300_000);
});
