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
