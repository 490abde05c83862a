import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually, lastMessage } from '../support/deal-steps';

/**
 * Issue 13: with OTEL_EXPORTER_OTLP_ENDPOINT set, one trace runs from the api's HTTP request
 * (continuing the caller's traceparent) through the Temporal client call to the workflow and its
 * activities, exported over OTLP/HTTP — here to a small collector that keeps what it receives.
 */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

describe('traces', () => {
  const spans: ReceivedSpan[] = [];
  let collector: http.Server;
  let tracing: Tracing;
  let h: DealHarness;
  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }> };
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    tracing = startTracing('escrow-test', `http://127.0.0.1:${(collector.address() as AddressInfo).port}`)!;
    h = await startDealHarness({ tracing });
  });
  afterAll(async () => {
    await h?.close();
    await tracing?.shutdown();
    collector?.close();
  });

  it('is off without an endpoint', () => {
    expect(startTracing('escrow-test', undefined)).toBeUndefined();
  });

  it('follows a request through the workflow to its activities', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const user = await h.newUser();
    const started = await h.call('POST', '/api/wallet/activation', user.token, undefined, {
      traceparent: `00-${traceId}-${callerSpan}-01`,
    });
    expect(started.status).toBe(202);
    await eventually(async () => lastMessage(h, user.userId, 'wallet_activation_request') !== undefined);
    const code = lastMessage(h, user.userId, 'wallet_activation_request').verificationCode;
    expect((await h.call('POST', '/api/wallet/verification', user.token, { code })).body.outcome).toBe('activated');

    const names = () => spans.filter((s) => s.traceId === traceId).map((s) => s.name);
    await eventually(
      async () => {
        await tracing.flush();
        return names().some((n) => n.startsWith('RunActivity:')) && names().some((n) => n.startsWith('RunWorkflow:'));
      },
      30_000,
      250,
    );
    const trace = spans.filter((s) => s.traceId === traceId);
    const server = trace.find((s) => s.name === 'POST /api/wallet/activation')!;
    expect(server.parentSpanId).toBe(callerSpan);
    expect(names()).toEqual(
      expect.arrayContaining([
        'POST /api/wallet/activation',
        'StartWorkflow:walletActivationWorkflow',
        'RunWorkflow:walletActivationWorkflow',
        expect.stringMatching(/^RunActivity:/),
      ]),
    );
    // The client call is the server span's child: one trace, not two that happen to share an id.
    expect(trace.find((s) => s.name === 'StartWorkflow:walletActivationWorkflow')!.parentSpanId).toBe(server.spanId);
  });
});
