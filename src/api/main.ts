import http from 'node:http';
import { loadSettings } from '../config/settings';
import { connectSystem } from '../runtime/system';
import { createApiApp } from './app';
import { lineIdentityVerifier } from './line-identity';
import { lineWebhookRouter, startInboxProcessor } from '../line/webhook';
import { edgeRouters } from './edge-routers';
import { answerClientErrors } from './input-guards';

/** `npm run api`: the stateless HTTP edge; run several behind a load balancer. */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const system = await connectSystem(settings);
  const inbox = startInboxProcessor({ ...system, line: system.line });
  const app = createApiApp({
    ...system,
    verifier: lineIdentityVerifier(settings),
    extraRouters: [
      lineWebhookRouter({ knex: system.knex, channelSecret: settings.line.channelSecret, onStored: () => inbox.wake() }),
      ...edgeRouters(settings, system.knex),
    ],
  });
  const server = http.createServer(app);
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(settings.apiPort, settings.apiHost, resolve));
  console.log(`api: listening on ${settings.publicBaseUrl}`);
  const stop = () =>
    server.close(
      () =>
        void inbox
          .stop()
          .then(() => system.close())
          .then(() => process.exit(0)),
    );
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
