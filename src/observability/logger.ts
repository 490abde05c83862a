import pino, { type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { redact } from '../crypto/redact';

/**
 * One JSON log stream per process (pino): level, time, the component, and the ids that let an
 * operator follow a deal (request id, payment code, workflow id, payout id). Personal data never
 * leaves in clear: every string in a line goes through our `redact` (phones, bank accounts, OTPs)
 * and fields that hold secrets or personal data by their name are replaced whole.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Field names whose values are secrets or personal data whatever they look like. */
const SECRET_KEYS =
  /^(authorization|cookie|set-cookie|password|passcode|secret|.*secret|.*token|token.*|otp|code|verificationcode|dynamicpassword|phone|phonenumber|accountnumber|account|iban|apikey|api_key|x-signature|signature|idtoken|email)$/i;
const CENSORED = '[redacted]';
const MAX_DEPTH = 6;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error && !Object.hasOwn(value, 'type'))
    return scrub({ type: value.name, message: value.message, stack: value.stack }, depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEYS.test(key) && v !== undefined && v !== null ? CENSORED : scrub(v, depth + 1);
  return out;
}

/**
 * Where lines go: errors to stderr and the rest to stdout (as container runtimes and our process
 * supervisor expect), or (tests) one collector. Swappable, so loggers made at import keep working.
 */
let target: { write(line: string): unknown } | undefined;
const ERROR_LINE = /^\{"level":"(warn|error|fatal)"/;
const sink = {
  write: (line: string) => (target ? target.write(line) : (ERROR_LINE.test(line) ? process.stderr : process.stdout).write(line)),
};

export function setLogDestination(destination: { write(line: string): unknown } | undefined): void {
  target = destination;
}

const root: PinoLogger = pino(
  {
    level: 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrub(object) as Record<string, unknown>,
    },
    hooks: {
      // The message (and any printf arguments) are free text: masked like every other string.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
      },
    },
  },
  sink,
);

export function setLogLevel(level: LogLevelName): void {
  root.level = level as LevelWithSilent;
}

/** A component's logger: `logger('api')`, `logger('worker')`, `logger('reconcile')`. */
export function logger(component: string, bindings: Record<string, unknown> = {}): PinoLogger {
  return root.child({ component, ...bindings });
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal runtime's logger (Runtime.install({ logger })): SDK, workflow and activity logs
 * join our stream with their workflow id, run id and activity type as fields.
 */
export function temporalLogger(component = 'temporal'): TemporalLogger {
  const log = logger(component);
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { sdkComponent, ...rest } = (meta ?? {}) as Record<string, unknown>;
    log[TEMPORAL_TO_PINO[level]]({ ...rest, ...(sdkComponent ? { sdkComponent } : {}) }, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/** A command-line tool's logger: LOG_LEVEL from the environment (the CLIs read no other setting for it). */
export function cliLogger(tool: string): PinoLogger {
  const level = (process.env.LOG_LEVEL ?? 'info').toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) setLogLevel(level as LogLevelName);
  return logger(tool);
}
