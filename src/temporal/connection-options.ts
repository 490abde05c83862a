import type { Settings, TemporalConnectionSettings } from '../config/settings';
import { ConfigError } from '../config/env';

/**
 * What both SDK connections need to reach our Temporal: `Connection.connect` (the api and the
 * worker's client: /readyz, the schedules' set-up, every workflow call) and `NativeConnection.connect` (the
 * worker) take the same `address`, `tls` and `apiKey`, so one function builds them for both and
 * no caller can forget the TLS settings.
 */
export interface TemporalConnectOptions {
  address: string;
  /** false: plaintext gRPC (the dev server, a private network); otherwise TLS as configured. */
  tls:
    | false
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
  apiKey?: string;
}

export function temporalConnectOptions(
  settings: Pick<Settings, 'temporalAddress'> & { temporalConnection: TemporalConnectionSettings },
): TemporalConnectOptions {
  if (!settings.temporalAddress) throw new ConfigError('TEMPORAL_ADDRESS', 'is required by the worker and the api');
  const { tls, apiKey } = settings.temporalConnection;
  return {
    address: settings.temporalAddress,
    tls: tls
      ? {
          ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
          ...(tls.serverRootCa !== undefined ? { serverRootCACertificate: tls.serverRootCa } : {}),
          ...(tls.clientCertPair !== undefined ? { clientCertPair: tls.clientCertPair } : {}),
        }
      : false,
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
}

/** How we reach Temporal, in one word for the start-up log line (never a file's content or the key). */
export function temporalTransport(connection: TemporalConnectionSettings): 'plaintext' | 'tls' | 'mtls' | 'tls+api-key' {
  if (!connection.tls) return 'plaintext';
  if (connection.apiKey !== undefined) return 'tls+api-key';
  return connection.tls.clientCertPair ? 'mtls' : 'tls';
}

/**
 * `npm start` and `npm run cluster` start their own plaintext server on 127.0.0.1: TLS settings
 * meant for another Temporal must not reach the children that talk to this one.
 */
export const PLAINTEXT_LOCAL_TEMPORAL_ENV = {
  TEMPORAL_TLS: undefined,
  TEMPORAL_TLS_CA_PATH: undefined,
  TEMPORAL_TLS_CERT_PATH: undefined,
  TEMPORAL_TLS_KEY_PATH: undefined,
  TEMPORAL_TLS_SERVER_NAME: undefined,
  TEMPORAL_API_KEY: undefined,
} as const;
