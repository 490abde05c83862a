import express, { type Request } from 'express';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { ChatPort } from '../chat/port';
import type { Settings } from '../config/settings';
import { safeNext } from '../line/login-routes';
import { appendAudit } from '../audit';
import { dataConverterFor } from '../temporal/codec';
import { codecRouter } from '../temporal/codec-server';
import type { IdentityVerifier } from './identity';
import { staffIdentity, staffSignInRouter } from './staff-auth';
import { API_OPERATIONS, openApiDocument } from './openapi';
import { refuseBody, refuseUnsafeStrings, requireJsonBodies } from './input-guards';
import { installRateLimits } from './rate-limit/limiters';
import { problemHandler, sendProblem } from './problem';
import { accountRoutes } from './routes/account';
import { dealRoutes } from './routes/deals';
import { providerWebhookRoutes } from './routes/provider-webhooks';
import { supportRoutes } from './routes/support';
import { moneyOutRoutes } from './routes/money-out';
import { supportTrustRoutes } from './routes/support-trust';
import { supportParkedRoutes } from './routes/support-parked';
import { supportLineRoutes } from './routes/support-line';
import { supportOperationsRoutes } from './routes/support-operations';
import { httpLogs } from '../observability/http-logs';
import { healthRoutes } from '../observability/health';
import { httpMetrics, metricsRoute } from '../observability/http-metrics';
import { readStateFrom } from '../observability/metrics';
import type { Tracing } from '../observability/tracing';
import { supportConsoleRoutes } from './routes/support-console';

/** The api: stateless; everything it remembers lives in PostgreSQL or Temporal. */
export interface ApiDeps {
  knex: Knex;
  temporal: Client;
  chat: ChatPort;
  settings: Settings;
  verifier: IdentityVerifier;
  /** Routers of other subsystems (LINE webhook, media, pages), mounted before the JSON parser. */
  extraRouters?: express.Router[];
  /** OpenTelemetry (OTEL_EXPORTER_OTLP_ENDPOINT): a server span per request. */
  tracing?: Tracing;
}

export const JSON_BODY_LIMIT = '64kb';

export function createApiApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Which proxies may name the client (X-Forwarded-For): the rate limits count per address.
  app.set('trust proxy', deps.settings.trustProxy);
  const staff = staffIdentity(deps.knex, deps.settings);
  const staffAuth = staff.auth;
  // S109/S110: our login route starts LINE Login (bot_prompt=aggressive) and comes back to the page.
  const loginUrl = (req: Request) => {
    const referer = req.get('referer');
    const next = safeNext(referer ? new URL(referer, deps.settings.publicBaseUrl).pathname : undefined) ?? '/pages/track';
    return `${deps.settings.publicBaseUrl}/auth/line/login?next=${encodeURIComponent(next)}`;
  };

  readStateFrom(deps.knex);
  if (deps.tracing) app.use(deps.tracing.httpSpans());
  app.use(httpLogs());
  app.use(httpMetrics());
  app.use(metricsRoute(deps.settings.operations.metricsBearerToken));
  app.use(healthRoutes({ knex: deps.knex, temporal: deps.temporal }));
  installRateLimits(app, {
    knex: deps.knex,
    limits: deps.settings.rateLimits,
    scope: deps.settings.taskQueue,
    verifier: deps.verifier,
    staffAuth,
  });
  app.get('/api/openapi.json', (_req, res) => void res.json(openApiDocument(deps.settings.publicBaseUrl)));
  // Raw-body routes (signatures are over the exact bytes) come before the JSON parser.
  app.use(providerWebhookRoutes({ temporal: deps.temporal, settings: deps.settings }));
  for (const router of deps.extraRouters ?? []) app.use(router);
  app.use(
    staffSignInRouter({
      knex: deps.knex,
      provider: staff.provider,
      verifier: staff.verifier,
      sessions: staff.sessions,
      publicBaseUrl: deps.settings.publicBaseUrl,
      hashSecret: deps.settings.secrets.hashSecret,
    }),
  );
  // The Temporal UI's codec endpoint (its own JSON parser: payload batches are larger than API bodies).
  app.use(
    codecRouter({
      codec: dataConverterFor(deps.settings.keys.payload).payloadCodecs[0],
      auth: staff.codecAuth,
      allowedOrigins: deps.settings.codec.allowedOrigins,
      audit: (entry) => appendAudit(deps.knex, entry),
    }),
  );
  app.use('/api', requireJsonBodies);
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use('/api', refuseUnsafeStrings);
  // The document says which operations take a body; the others get none (an ignored body hides a client's mistake).
  for (const [path, methods] of Object.entries(API_OPERATIONS)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!op.body && (method === 'post' || method === 'delete') && path.startsWith('/api/'))
        app[method](path.replace(/\{(\w+)\}/g, ':$1'), refuseBody);
    }
  }
  app.use(dealRoutes({ ...deps, loginUrl }));
  app.use(accountRoutes({ ...deps, loginUrl }));
  app.use(supportRoutes({ knex: deps.knex, temporal: deps.temporal, staffAuth }));
  app.use(moneyOutRoutes({ ...deps, loginUrl }));
  app.use(supportLineRoutes({ knex: deps.knex, staffAuth }));
  app.use(supportTrustRoutes({ knex: deps.knex, temporal: deps.temporal, staffAuth, hashSecret: deps.settings.secrets.hashSecret }));
  app.use(supportParkedRoutes({ knex: deps.knex, temporal: deps.temporal, staffAuth }));
  app.use(supportOperationsRoutes({ knex: deps.knex, staffAuth }));
  app.use(
    supportConsoleRoutes({
      knex: deps.knex,
      temporal: deps.temporal,
      chat: deps.chat,
      staffAuth,
      hashSecret: deps.settings.secrets.hashSecret,
      temporalUiUrl: deps.settings.temporalUiUrl,
      namespace: deps.settings.temporalNamespace,
      disputeEscalationMs: deps.settings.durations.disputeEscalationMs,
      phoneBindingPeriodMs: deps.settings.durations.phoneBindingPeriodMs,
    }),
  );
  app.use((req, res) => sendProblem(res, 404, 'not-found', `no route for ${req.method} ${req.path}`));
  app.use(problemHandler);
  return app;
}
