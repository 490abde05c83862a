import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { exportedMetricNames } from '../../src/observability/metrics';

/**
 * Issue 13: alert rules and dashboards are files in the repository (ops/), and every metric they
 * name is one we export — ours from our registry, the SDK's from the names the Temporal SDK
 * defines (its metrics source ships in @temporalio/core-bridge). `promtool check rules` also
 * validates the rules where Debian's `prometheus` package is installed.
 */
const ROOT = path.join(__dirname, '..', '..');
const OPS = path.join(ROOT, 'ops');
const alertsFile = path.join(OPS, 'prometheus', 'alerts.yml');
const dashboards = fs
  .readdirSync(path.join(OPS, 'grafana', 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(path.join(OPS, 'grafana', 'dashboards', f), 'utf8')) }));

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string };
}
const rules: Rule[] = (parse(fs.readFileSync(alertsFile, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

/** Prometheus' own series a rule may use. */
const PROMETHEUS_BUILTINS = new Set(['up']);
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

function metricNames(expr: string): string[] {
  const names = [...expr.matchAll(/\b((?:escrow|temporal)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
  if (/\bup\{/.test(expr)) names.push('up');
  return names;
}

function sdkMetricNames(): Set<string> {
  const bridge = path.dirname(require.resolve('@temporalio/core-bridge/package.json'));
  const sources = ['sdk-core/crates/sdk-core/src/telemetry/metrics.rs', 'sdk-core/crates/common/src/telemetry/metrics.rs'].map((f) =>
    fs.readFileSync(path.join(bridge, f), 'utf8'),
  );
  return new Set(sources.flatMap((source) => [...source.matchAll(/"([a-z][a-z0-9_]+)"/g)].map((m) => m[1]!)));
}

describe('alert rules and dashboards', () => {
  it('has the rules the issue asks for, each with a severity and a summary', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'EscrowLineInboxGaveUp',
        'EscrowLineInboxBacklog',
        'EscrowParkedDeals',
        'EscrowReconciliationDifference',
        'EscrowAuditChainBroken',
        'EscrowProviderErrorRate',
        'EscrowWorkflowTaskFailures',
      ]),
    );
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity, summary: typeof rule.annotations?.summary }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning|info)$/),
        summary: 'string',
      });
    }
  });

  it('has a business and a Temporal SDK dashboard whose every panel queries something', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(['escrow-business', 'escrow-temporal-sdk']);
    for (const { json } of dashboards) {
      expect(json.panels.length).toBeGreaterThan(5);
      for (const panel of json.panels) expect(panel.targets.map((t: { expr: string }) => t.expr.length > 0)).not.toContain(false);
    }
  });

  it('names only metrics we export', async () => {
    const ours = new Set(await exportedMetricNames());
    const sdk = sdkMetricNames();
    const named = [
      ...rules.flatMap((r) => metricNames(r.expr).map((name) => ({ where: `rule ${r.alert}`, name }))),
      ...dashboards.flatMap(({ file, json }) =>
        json.panels.flatMap((p: { title: string; targets: Array<{ expr: string }> }) =>
          p.targets.flatMap((t) => metricNames(t.expr).map((name) => ({ where: `${file}: ${p.title}`, name }))),
        ),
      ),
    ];
    expect(named.length).toBeGreaterThan(25);
    const unknown = named.filter(({ name }) => {
      if (PROMETHEUS_BUILTINS.has(name)) return false;
      const base = name.replace(HISTOGRAM_SUFFIX, '');
      if (name.startsWith('escrow_')) return !ours.has(name) && !ours.has(base);
      return !sdk.has(base.replace(/^temporal_/, ''));
    });
    expect(unknown).toEqual([]);
  });

  it('the Prometheus configuration loads the rules and scrapes the api, the worker and the SDK exporter', () => {
    const config = parse(fs.readFileSync(path.join(OPS, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string }>;
    };
    expect(config.rule_files.map((f) => path.basename(f))).toContain('alerts.yml');
    expect(config.scrape_configs.map((s) => s.job_name).sort()).toEqual(['escrow-api', 'escrow-worker', 'escrow-worker-sdk']);
  });

  const promtool = (() => {
    try {
      return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  })();
  (promtool ? it : it.skip)('promtool accepts the rules and the configuration (Debian package prometheus)', () => {
    expect(execFileSync(promtool!, ['check', 'rules', alertsFile], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
    expect(execFileSync(promtool!, ['check', 'config', path.join(OPS, 'prometheus', 'prometheus.yml')], { encoding: 'utf8' })).toMatch(
      /SUCCESS/,
    );
  });
});
