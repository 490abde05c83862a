import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ConfigError } from '../../src/config/env';
import { loadSettings, type Settings } from '../../src/config/settings';
import { readiness } from '../../src/observability/health';
import { auditChainScheduleId, ensureSchedules, reconciliationScheduleId, removeSchedules } from '../../src/ops/schedules';
import { isExecutable } from '../../src/runtime/go-install';
import { freeLowPort, freePort } from '../../src/runtime/ports';
import { stopChild } from '../../src/runtime/processes';
import { connectSystem, type System } from '../../src/runtime/system';
import { ensureNamespace, findTemporalServer, TEMPORAL_SERVER_CACHE_DIR } from '../../src/runtime/temporal-cluster';
import { waitUntilTemporalAnswers } from '../../src/runtime/temporal-server';
import { dataConverterFor } from '../../src/temporal/codec';
import { temporalConnectOptions, temporalTransport } from '../../src/temporal/connection-options';
import { testDatabaseUrl, uniqueId } from '../support/env';

/**
 * Issue 13's last item: the api and the worker reach a Temporal whose frontend wants TLS, and
 * mutual TLS. The real Temporal server v1.29.1 (the binary `npm run cluster` builds) runs with
 * `global.tls.frontend` (our throw-away CA, a server certificate for 127.0.0.1 and localhost,
 * `requireClientAuth`) on in-memory SQLite; openssl makes the certificates. Clients built from
 * our settings connect, answer /readyz, set up the schedules and run a workflow on a worker;
 * plaintext, a missing client certificate, another CA's client certificate, an untrusted server
 * and a wrong server name are each refused.
 */

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Another CA, and a client certificate it signed (unknown to the server). */
  otherCa: string;
  strangerCert: string;
  strangerKey: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n${extensions}\n`);
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'ca', 'server', 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1');
  makeLeaf(dir, 'ca', 'escrow-client', 'extendedKeyUsage=clientAuth');
  makeLeaf(dir, 'other-ca', 'stranger', 'extendedKeyUsage=clientAuth');
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('escrow-client.pem'),
    clientKey: at('escrow-client.key'),
    otherCa: at('other-ca.pem'),
    strangerCert: at('stranger.pem'),
    strangerKey: at('stranger.key'),
  };
}

const refusal = (env: Record<string, string | undefined>): ConfigError => {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('the settings were accepted');
};

describe('Temporal TLS settings', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  it('plaintext unless asked; TEMPORAL_TLS=on alone trusts the system roots', () => {
    expect(loadSettings({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporalConnection).toEqual({});
    const on = loadSettings({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: 'on' });
    expect(temporalConnectOptions(on)).toEqual({ address: 'temporal:7233', tls: {} });
    expect(temporalConnectOptions(loadSettings({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({ address: 'temporal:7233', tls: false });
  });

  it('reads the CA, the client pair and the server name into the options of both connections', () => {
    const settings = loadSettings({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CA_PATH: pki.ca,
      TEMPORAL_TLS_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_KEY_PATH: pki.clientKey,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    const options = temporalConnectOptions(settings);
    expect(options.tls).toEqual({
      serverNameOverride: 'localhost',
      serverRootCACertificate: fs.readFileSync(pki.ca),
      clientCertPair: { crt: fs.readFileSync(pki.clientCert), key: fs.readFileSync(pki.clientKey) },
    });
  });

  it('an API key turns TLS on (Temporal Cloud), and is never sent in plaintext', () => {
    const cloud = loadSettings({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'tk-abc.def' });
    expect(temporalConnectOptions(cloud)).toEqual({ address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'tk-abc.def' });
    expect(temporalTransport(cloud.temporalConnection)).toBe('tls+api-key');
    expect(temporalTransport(loadSettings({ TEMPORAL_TLS: 'on' }).temporalConnection)).toBe('tls');
    expect(temporalTransport(loadSettings({}).temporalConnection)).toBe('plaintext');
    const err = refusal({ TEMPORAL_TLS: 'off', TEMPORAL_API_KEY: 'tk-secret-value' });
    expect(err.variable).toBe('TEMPORAL_TLS');
    expect(err.message).toContain('TEMPORAL_API_KEY');
    expect(err.message).not.toContain('tk-secret-value');
  });

  it.each<[string, () => Record<string, string>, string, RegExp]>([
    ['a word that is not on or off', () => ({ TEMPORAL_TLS: 'yes' }), 'TEMPORAL_TLS', /on or off/],
    ['off with a CA file', () => ({ TEMPORAL_TLS: 'off', TEMPORAL_TLS_CA_PATH: pki.ca }), 'TEMPORAL_TLS', /TEMPORAL_TLS_CA_PATH/],
    ['a file that is not there', () => ({ TEMPORAL_TLS_CA_PATH: path.join(pki.dir, 'missing.pem') }), 'TEMPORAL_TLS_CA_PATH', /ENOENT/],
    ['a folder for a file', () => ({ TEMPORAL_TLS_CA_PATH: pki.dir }), 'TEMPORAL_TLS_CA_PATH', /cannot be read/],
    ['a CA file that is not PEM', () => ({ TEMPORAL_TLS_CA_PATH: path.join(pki.dir, 'server.ext') }), 'TEMPORAL_TLS_CA_PATH', /PEM/],
    ['a key where the CA should be', () => ({ TEMPORAL_TLS_CA_PATH: pki.clientKey }), 'TEMPORAL_TLS_CA_PATH', /certificate/],
    ['a certificate without its key', () => ({ TEMPORAL_TLS_CERT_PATH: pki.clientCert }), 'TEMPORAL_TLS_KEY_PATH', /go together/],
    ['a key without its certificate', () => ({ TEMPORAL_TLS_KEY_PATH: pki.clientKey }), 'TEMPORAL_TLS_CERT_PATH', /go together/],
    [
      'a key where the certificate should be',
      () => ({ TEMPORAL_TLS_CERT_PATH: pki.clientKey, TEMPORAL_TLS_KEY_PATH: pki.clientKey }),
      'TEMPORAL_TLS_CERT_PATH',
      /certificate/,
    ],
    [
      'a certificate where the key should be',
      () => ({ TEMPORAL_TLS_CERT_PATH: pki.clientCert, TEMPORAL_TLS_KEY_PATH: pki.clientCert }),
      'TEMPORAL_TLS_KEY_PATH',
      /private key/,
    ],
    [
      "another certificate's key",
      () => ({ TEMPORAL_TLS_CERT_PATH: pki.clientCert, TEMPORAL_TLS_KEY_PATH: pki.strangerKey }),
      'TEMPORAL_TLS_KEY_PATH',
      /not the key of the certificate/,
    ],
    ['a server name with a scheme', () => ({ TEMPORAL_TLS_SERVER_NAME: 'https://temporal' }), 'TEMPORAL_TLS_SERVER_NAME', /host name/],
  ])('refuses %s, naming the variable', (_what, env, variable, reason) => {
    const err = refusal(env());
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(reason);
    // Neither a key's nor a certificate's content is ever repeated.
    for (const file of [pki.ca, pki.clientCert, pki.clientKey, pki.strangerKey]) {
      for (const line of fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 16 && !l.startsWith('-----')))
        expect(err.message).not.toContain(line.slice(0, 16));
    }
  });
});

const ROOT = path.join(__dirname, '..', '..');
const SERVER_BINARY = path.join(TEMPORAL_SERVER_CACHE_DIR, 'server');

/** The server's config: in-memory SQLite (schema made at start), the four services, TLS on the frontend. */
function serverConfig(pki: Pki, ports: Record<string, number>): string {
  const sqlite = (name: string) => `
    ${name}:
      sql:
        pluginName: sqlite
        databaseName: ${name}
        connectAddr: localhost
        connectProtocol: tcp
        connectAttributes: { mode: memory, cache: private }
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: 1h`;
  const service = (name: string) => `
  ${name}:
    rpc:
      grpcPort: ${ports[`${name}Grpc`]}
      membershipPort: ${ports[`${name}Membership`]}
      bindOnLocalHost: true`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 1
  datastores:${sqlite('default')}${sqlite('visibility')}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  tls:
    frontend:
      server:
        certFile: ${pki.serverCert}
        keyFile: ${pki.serverKey}
        requireClientAuth: true
        clientCaFiles: [${pki.ca}]
      client:
        serverName: localhost
        rootCaFiles: [${pki.ca}]
    systemWorker:
      certFile: ${pki.clientCert}
      keyFile: ${pki.clientKey}
      client:
        serverName: localhost
        rootCaFiles: [${pki.ca}]
services:${['frontend', 'history', 'matching', 'worker'].map(service).join('')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontendGrpc}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${path.join(__dirname, '..', '..', 'config', 'temporal', 'dynamicconfig.yaml')}
  pollInterval: 10s
`;
}

/** Each refused attempt gives up within seconds: no retries, a short connect timeout. */
async function attempt(options: Parameters<typeof Connection.connect>[0]): Promise<void> {
  const connection = Connection.lazy({ ...options, interceptors: [] });
  try {
    await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
  } finally {
    await connection.close();
  }
}

describe('a Temporal server with mutual TLS on its frontend', () => {
  let pki: Pki;
  let child: ChildProcess | undefined;
  let output = '';
  let address: string;
  let env: Record<string, string>;
  let settings: Settings;
  let system: System | undefined;

  beforeAll(async () => {
    if (!isExecutable(SERVER_BINARY)) await findTemporalServer(process.env); // first run only: `go install`, minutes
    pki = makePki();
    fs.mkdirSync(path.join(pki.dir, 'config'));
    // A port taken between our check and the server's bind makes it exit at once: try again on others.
    for (let attempt = 1; ; attempt += 1) {
      const ports: Record<string, number> = {};
      for (const name of ['frontend', 'history', 'matching', 'worker']) {
        ports[`${name}Grpc`] = await freeLowPort();
        ports[`${name}Membership`] = await freeLowPort();
      }
      fs.writeFileSync(path.join(pki.dir, 'config', 'tls.yaml'), serverConfig(pki, ports));
      address = `127.0.0.1:${ports.frontendGrpc}`;
      env = {
        DATABASE_URL: testDatabaseUrl(),
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'default',
        TASK_QUEUE: uniqueId('tls'),
        TEMPORAL_TLS: 'on',
        TEMPORAL_TLS_CA_PATH: pki.ca,
        TEMPORAL_TLS_CERT_PATH: pki.clientCert,
        TEMPORAL_TLS_KEY_PATH: pki.clientKey,
      };
      settings = loadSettings(env);
      output = '';
      const server = spawn(SERVER_BINARY, ['--root', pki.dir, '--config', 'config', '--env', 'tls', '--allow-no-auth', 'start'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = server;
      const collect = (d: Buffer) => {
        output = (output + d.toString()).slice(-8000);
      };
      server.stdout?.on('data', collect);
      server.stderr?.on('data', collect);
      // Readiness is asked over mTLS too: the plaintext probe of the dev server would never pass.
      const { address: _address, ...connect } = temporalConnectOptions(settings);
      try {
        await waitUntilTemporalAnswers(
          { child: server, address, budgetMs: 60_000, output: () => output, what: 'Temporal server (TLS)', connect },
          (c) => ensureNamespace(c, 'default', 1),
        );
        break;
      } catch (err) {
        await stopChild(server);
        if (attempt >= 3 || server.exitCode === null || !/address already in use/.test(output)) throw err;
      }
    }
  }, 600_000);

  afterAll(async () => {
    if (system) {
      await removeSchedules(system.temporal, settings).catch(() => undefined);
      await system.close();
    }
    if (child) await stopChild(child);
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('the api path (connectSystem) is ready, sets up the schedules, and a worker on our settings runs a workflow', async () => {
    system = await connectSystem(settings);
    expect(await readiness({ knex: system.knex, temporal: system.temporal, timeoutMs: 5_000 })).toEqual({
      ready: true,
      checks: { postgresql: 'ok', temporal: 'ok' },
    });
    await ensureSchedules(system.temporal, settings);
    for (const id of [reconciliationScheduleId(settings.taskQueue), auditChainScheduleId(settings.taskQueue)]) {
      expect((await system.temporal.schedule.getHandle(id).describe()).scheduleId).toBe(id);
    }

    const from = uniqueId('tls-from');
    const to = uniqueId('tls-to');
    await system.ledger.createAccount({ id: from, currency: 'TWD', kind: 'provider_clearing' });
    await system.ledger.createAccount({ id: to, currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true });
    const native = await NativeConnection.connect(temporalConnectOptions(settings));
    try {
      const ledger = system.ledger;
      const worker = await Worker.create({
        connection: native,
        namespace: settings.temporalNamespace,
        taskQueue: settings.taskQueue,
        dataConverter: dataConverterFor(settings.keys.payload),
        workflowsPath: path.join(__dirname, '..', 'fixtures', 'ledger-smoke-workflow.ts'),
        activities: {
          transfer: async (i: { id: string; from: string; to: string; amountMinor: number }) =>
            (
              await ledger.createTransfer({
                id: i.id,
                debitAccountId: i.from,
                creditAccountId: i.to,
                amountMinor: i.amountMinor,
                currency: 'TWD',
              })
            ).status,
          balanceOf: async (id: string) => {
            const b = await ledger.balance(id);
            return b.creditsPostedMinor - b.debitsPostedMinor;
          },
        },
      });
      const result = await worker.runUntil(
        system.temporal.workflow.execute('ledgerSmokeWorkflow', {
          taskQueue: settings.taskQueue,
          workflowId: uniqueId('tls-wf'),
          args: [{ id: uniqueId('tls-transfer'), from, to, amountMinor: 4321 }],
        }),
      );
      expect(result).toBe(4321);
    } finally {
      await native.close();
    }
  });

  it('refuses plaintext, a missing client certificate, another CA’s certificate, an untrusted server and a wrong server name', async () => {
    const ours = temporalConnectOptions(settings);
    await expect(attempt(ours)).resolves.toBeUndefined(); // the control: the same attempt with our settings passes

    const without = (...names: string[]) => loadSettings(Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k))));
    // Each refused for its own reason, as gRPC reports it (not a timeout that any outage would give).
    const cases: [string, Parameters<typeof Connection.connect>[0], RegExp][] = [
      [
        'plaintext',
        temporalConnectOptions(without('TEMPORAL_TLS', 'TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH')),
        /Failed to connect/,
      ],
      [
        'TLS without a client certificate',
        temporalConnectOptions(without('TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH')),
        /certificate required/,
      ],
      [
        "another CA's client certificate",
        temporalConnectOptions(loadSettings({ ...env, TEMPORAL_TLS_CERT_PATH: pki.strangerCert, TEMPORAL_TLS_KEY_PATH: pki.strangerKey })),
        /unknown ca/,
      ],
      [
        'a server our CA did not sign (the system roots)',
        temporalConnectOptions(without('TEMPORAL_TLS_CA_PATH')),
        /unable to verify|self[- ]signed|certificate/i,
      ],
      [
        'a server checked against another CA',
        temporalConnectOptions(loadSettings({ ...env, TEMPORAL_TLS_CA_PATH: pki.otherCa })),
        /unable to verify|certificate/i,
      ],
      [
        'a name the server certificate does not carry',
        temporalConnectOptions(loadSettings({ ...env, TEMPORAL_TLS_SERVER_NAME: 'temporal.example' })),
        /ALTNAME_INVALID|altnames/,
      ],
    ];
    const outcomes: Record<string, string> = {};
    for (const [what, options, reason] of cases) {
      outcomes[what] = await attempt(options).then(
        () => 'connected',
        (err: Error) => (reason.test(err.message) ? 'refused' : `refused, but: ${err.message}`),
      );
    }
    expect(outcomes).toEqual(Object.fromEntries(cases.map(([what]) => [what, 'refused'])));
    // The server name override is honoured, not ignored: localhost is on the certificate.
    await expect(attempt(temporalConnectOptions(loadSettings({ ...env, TEMPORAL_TLS_SERVER_NAME: 'localhost' })))).resolves.toBeUndefined();
  });

  it.each([
    ['src/api/main.ts', 'API_PORT'],
    ['worker/main.ts', 'WORKER_HTTP_PORT'],
  ])(
    '%s, started from its entry point with these settings, answers /readyz over mTLS',
    async (entry, portVariable) => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', entry], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ...env,
          TASK_QUEUE: uniqueId('tls-entry'),
          [portVariable]: String(port),
          TEMPORAL_METRICS_BIND_ADDRESS: 'off',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      try {
        // The worker answers before it has bundled its workflows (503, worker: starting), then 200 once polling.
        const deadline = Date.now() + 150_000;
        let last: unknown;
        while (Date.now() < deadline && child.exitCode === null) {
          last = await fetch(`http://127.0.0.1:${port}/readyz`).then(
            async (r) => ({ status: r.status, body: await r.json() }),
            () => undefined,
          );
          if ((last as { status?: number } | undefined)?.status === 200) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        expect({ last, exited: child.exitCode }).toEqual({
          last: { status: 200, body: expect.objectContaining({ ready: true, checks: expect.objectContaining({ temporal: 'ok' }) }) },
          exited: null,
        });
        // The start-up line says how Temporal is reached (an operator's first question), nothing of the files.
        expect(log).toContain('"temporalTransport":"mtls"');
        expect(log).not.toContain(fs.readFileSync(pki.clientKey, 'utf8').split('\n')[1]!);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${log.slice(-4000)}`, { cause: err });
      } finally {
        await stopChild(child);
      }
    },
    180_000,
  );

  it('the worker connection (NativeConnection) is refused without the client certificate', async () => {
    const noCert = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'TEMPORAL_TLS_CERT_PATH' && k !== 'TEMPORAL_TLS_KEY_PATH'));
    const control = await NativeConnection.connect(temporalConnectOptions(settings));
    await control.close();
    // Under TLS 1.3 the client learns of the server's refusal after its handshake: rustls reports
    // the server's alert, or the connection the server closed after sending it, whichever it reads first.
    await expect(NativeConnection.connect(temporalConnectOptions(loadSettings(noCert)))).rejects.toThrow(
      /CertificateRequired|BrokenPipe|connection closed/,
    );
  });
});
