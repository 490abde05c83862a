import { Runtime } from '@temporalio/worker';
import { setLogLevel, temporalLogger, type LogLevelName } from '../../src/observability/logger';

/**
 * Tests log warnings and errors only (a line per request would bury test output); the Temporal
 * runtime's logger is bridged into our log stream as in the worker, so a test that lowers the
 * level (test/ops/log-scan.test.ts) sees the SDK's, workflows' and activities' lines too.
 */
setLogLevel((process.env.LOG_LEVEL as LogLevelName | undefined) ?? 'warn');
try {
  Runtime.install({ logger: temporalLogger() });
} catch {
  // Already installed in this module registry.
}
