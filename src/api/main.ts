import http from 'node:http';
import { loadSettings } from '../config/settings';
import { connectSystem } from '../runtime/system';
import { temporalTransport } from '../temporal/connection-options';
import { createApiApp } from './app';
import { lineIdentityVerifier } from './line-identity';
import { lineWebhookRouter, startInboxProcessor } from '../line/webhook';
import { edgeRouters } from './edge-routers';
import { answerClientErrors } from './input-guards';
import { logger, setLogLevel } from '../observability/logger';
import { startTracing } from '../observability/tracing';

const log = logger('api');

/** `npm run api`: the stateless HTTP edge; run several behind a load balancer. */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  setLogLevel(settings.operations.logLevel);
  const tracing = startTracing('escrow-api', settings.operations.otlpEndpoint);
  const system = await connectSystem(settings, { clientInterceptors: tracing?.clientInterceptors });
  const inbox = startInboxProcessor({ ...system, line: system.line });
  const app = createApiApp({
    ...system,
    verifier: lineIdentityVerifier(settings),
    tracing,
    extraRouters: [
      lineWebhookRouter({ knex: system.knex, channelSecret: settings.line.channelSecret, onStored: () => inbox.wake() }),
      ...edgeRouters(settings, system.knex),
    ],
  });
  const server = http.createServer(app);
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(settings.apiPort, settings.apiHost, resolve));
  log.info(
    { publicBaseUrl: settings.publicBaseUrl, port: settings.apiPort, temporalTransport: temporalTransport(settings.temporalConnection) },
    'api listening',
  );
  const stop = () =>
    server.close(
      () =>
        void inbox
          .stop()
          .then(() => system.close())
          .then(() => tracing?.shutdown())
          .then(() => process.exit(0)),
    );
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'api stopped');
  process.exit(1);
});
