import http from 'node:http';
import express from 'express';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadSettings } from '../src/config/settings';
import { connectSystem } from '../src/runtime/system';
import { dataConverterFor } from '../src/temporal/codec';
import { temporalConnectOptions, temporalTransport } from '../src/temporal/connection-options';
import { healthRoutes } from '../src/observability/health';
import { metricsRoute } from '../src/observability/http-metrics';
import { readStateFrom } from '../src/observability/metrics';
import { logger, setLogLevel, temporalLogger } from '../src/observability/logger';
import { createEscrowWorker } from './create-worker';
import { startTracing } from '../src/observability/tracing';
import { ensureSchedules } from '../src/ops/schedules';

const log = logger('worker');

/** `npm run worker`: one worker process; run as many as the load needs. */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  setLogLevel(settings.operations.logLevel);
  // The SDK's, workflows' and activities' logs join our JSON stream; its metrics get their own exporter.
  Runtime.install({
    logger: temporalLogger(),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(settings.operations.temporalMetricsBindAddress
        ? { metrics: { prometheus: { bindAddress: settings.operations.temporalMetricsBindAddress } } }
        : {}),
    },
  });
  const tracing = startTracing('escrow-worker', settings.operations.otlpEndpoint);
  const system = await connectSystem(settings, { clientInterceptors: tracing?.clientInterceptors });
  // The worker's own small HTTP port, up before the (seconds-long) start: probes and Prometheus.
  let polling = false;
  readStateFrom(system.knex);
  const ops = express();
  ops.disable('x-powered-by');
  ops.use(healthRoutes({ knex: system.knex, temporal: system.temporal, started: () => polling }));
  ops.use(metricsRoute(settings.operations.metricsBearerToken));
  const server = http.createServer(ops);
  await new Promise<void>((resolve) => server.listen(settings.operations.workerHttpPort, settings.operations.workerHttpHost, resolve));
  // The same address, TLS and API key as the client connection of connectSystem.
  const connection = await NativeConnection.connect(temporalConnectOptions(settings));
  const worker = await createEscrowWorker({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    deps: system,
    dataConverter: dataConverterFor(settings.keys.payload),
    // Tracing adds its workflow interceptors to the bundle, so a traced worker bundles at start.
    ...(settings.operations.workflowBundlePath && !tracing ? { workflowBundle: { codePath: settings.operations.workflowBundlePath } } : {}),
    plugins: tracing ? [tracing.workerPlugin] : [],
  });
  // The scheduled checks (reconciliation, audit chain): created or brought up to date.
  await ensureSchedules(system.temporal, settings);
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info(
    {
      taskQueue: settings.taskQueue,
      temporalAddress: settings.temporalAddress,
      temporalTransport: temporalTransport(settings.temporalConnection),
      opsPort: settings.operations.workerHttpPort,
      temporalMetrics: settings.operations.temporalMetricsBindAddress ?? 'off',
    },
    'worker polling',
  );
  const running = worker.run();
  polling = true;
  await running;
  server.close();
  await connection.close();
  await system.close();
  await tracing?.shutdown();
}

main().catch((err) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'worker stopped');
  process.exit(1);
});
