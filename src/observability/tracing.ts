import type { RequestHandler, Request } from 'express';
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';

/**
 * OpenTelemetry traces (issue 13), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: one trace from
 * the api's HTTP request (a server span, continuing the caller's `traceparent`), through the
 * Temporal client call (start, update, signal), the workflow and its activities, exported over
 * OTLP/HTTP. The Temporal side is `@temporalio/interceptors-opentelemetry` at our SDK's version.
 */
export interface Tracing {
  /** For the api's (and the worker's) Temporal Client. */
  clientInterceptors: { workflow: WorkflowClientInterceptor[] };
  /** For the worker: workflow, activity and client interceptors and the workflow span sink. */
  workerPlugin: OpenTelemetryPlugin;
  /** The api's server span per request. */
  httpSpans(): RequestHandler;
  /** Sends what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, otlpEndpoint: string | undefined): Tracing | undefined {
  if (!otlpEndpoint) return undefined;
  const resource = new Resource({ 'service.name': serviceName });
  const exporter = new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  const tracer = trace.getTracer('escrow-api');
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workerPlugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    httpSpans: () => (req, res, next) => {
      const parent = propagation.extract(context.active(), req.headers);
      const span = tracer.startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
      res.once('finish', () => {
        const route = routeOf(req);
        span.updateName(`${req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      context.with(trace.setSpan(parent, span), next);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The route's pattern: a path's codes and ids stay out of span names. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}
