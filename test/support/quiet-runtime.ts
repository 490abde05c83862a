import { DefaultLogger, Runtime } from '@temporalio/worker';

/** Worker state changes at INFO would bury test output; warnings and errors still show. */
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this module registry.
}
