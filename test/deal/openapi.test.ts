import { API_OPERATIONS } from '../../src/api/openapi';
import { startDealHarness, type DealHarness } from '../support/deal-harness';

/** The OpenAPI document and the app agree: everything described is served, everything served is described. */
describe('OpenAPI document', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const toExpress = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
  const sample = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'code' ? '0'.repeat(26) : 'x1'));

  it('is served as JSON and describes every operation with its security', async () => {
    const res = await h.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(Object.keys(API_OPERATIONS).sort());
    expect(res.body.paths['/api/orders/{code}/otp'].post.parameters.map((p: { name: string }) => p.name)).toEqual([
      'code',
      'Idempotency-Key',
    ]);
  });

  it('every documented operation is a route of the app (no "no route" answer)', async () => {
    for (const [path, methods] of Object.entries(API_OPERATIONS)) {
      for (const method of Object.keys(methods)) {
        const res = await h.call(method.toUpperCase(), sample(path), undefined, method === 'get' || method === 'delete' ? undefined : {});
        expect([path, method, String(res.body?.detail ?? '')]).not.toEqual([path, method, expect.stringMatching(/^no route for/)]);
      }
    }
  });

  it('every /api and /webhooks route of the app is documented', async () => {
    const served = new Set<string>();
    const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>) => {
      for (const layer of stack) {
        if (layer.route) {
          for (const method of Object.keys(layer.route.methods)) served.add(`${method} ${layer.route.path}`);
        } else if (layer.handle?.stack) {
          walk(layer.handle.stack as typeof stack);
        }
      }
    };
    expect(h.app).toBeDefined();
    const router = (h.app as unknown as { router?: { stack: [] } }).router;
    expect(router).toBeDefined();
    walk(router!.stack);
    const documented = new Set(
      Object.entries(API_OPERATIONS).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${toExpress(path)}`)),
    );
    const undocumented = [...served].filter(
      (r) => /^\w+ \/(api|webhooks)\//.test(r) && r !== 'get /api/openapi.json' && !documented.has(r),
    );
    expect(undocumented).toEqual([]);
    expect(served.size).toBeGreaterThan(20);
  });
});
