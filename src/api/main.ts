import http from 'node:http';
import { loadSettings } from '../config/settings';
import { connectSystem } from '../runtime/system';
import { createApiApp } from './app';
import { lineIdentityVerifier } from './line-identity';
import { mediaRouter } from '../media';
import { codecRouter, codecServerSettingsFromEnv } from '../temporal/codec-server';
import { dataConverterFromEnv } from '../temporal/codec';

/** `npm run api`: the stateless HTTP edge; run several behind a load balancer. */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const system = await connectSystem(settings);
  const loginApiBaseUrl = process.env.LINE_LOGIN_API_BASE_URL ?? settings.line.apiBaseUrl;
  const app = createApiApp({
    ...system,
    verifier: lineIdentityVerifier(settings.line, loginApiBaseUrl),
    extraRouters: [
      mediaRouter({ qrTextFor: (code) => `${settings.publicBaseUrl}/pages/track/${code}` }),
      codecRouter({ codec: dataConverterFromEnv(process.env).payloadCodecs[0], ...codecServerSettingsFromEnv(process.env) }),
    ],
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(settings.apiPort, '127.0.0.1', resolve));
  console.log(`api: listening on ${settings.publicBaseUrl}`);
  const stop = () => server.close(() => void system.close().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
