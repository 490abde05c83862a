import { timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { httpRequestDuration, registry, webhookAckDuration } from './metrics';

const UNTIMED = new Set(['/healthz', '/readyz', '/metrics']);
const WEBHOOK = /^\/webhooks\/([a-z]+)/;

/** The matched route's pattern (bounded label values), never the raw path with its codes in it. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

/** Interaction latency of every api request, and the acknowledgement time of every webhook. */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    if (UNTIMED.has(path)) return next();
    const stop = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - stop) / 1e9;
      const statusClass = `${Math.floor(res.statusCode / 100)}xx`;
      const webhook = WEBHOOK.exec(path);
      if (webhook) webhookAckDuration.observe({ source: webhook[1], status_class: statusClass }, seconds);
      httpRequestDuration.observe({ method: req.method, route: routeOf(req), status_class: statusClass }, seconds);
    });
    next();
  };
}

/**
 * `GET /metrics` in Prometheus' text format. With a token (METRICS_BEARER_TOKEN) it answers only
 * `Authorization: Bearer <token>` (Prometheus' `authorization` scrape setting), for an api whose
 * port the public reaches.
 */
export function metricsRoute(bearerToken?: string): Router {
  const router = Router();
  const expected = bearerToken ? Buffer.from(`Bearer ${bearerToken}`) : undefined;
  router.get('/metrics', async (req, res) => {
    if (expected) {
      const given = Buffer.from(req.get('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.status(401).set('www-authenticate', 'Bearer').type('text/plain').send('metrics need the scrape token\n');
        return;
      }
    }
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
