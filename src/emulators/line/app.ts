import type { AddressInfo } from 'node:net';
import express, { Express } from 'express';
import { controlRoutes } from './control-routes';
import { assignRequestId, lineError } from './http';
import { liffRoutes } from './liff';
import { loginRoutes } from './login-routes';
import { messagingRoutes } from './messaging-routes';
import { richMenuRoutes } from './rich-menu-routes';
import { LineEmulatorOptions, ResolvedOptions, resolveOptions } from './options';
import { LineEmulatorState } from './state';

export interface LineEmulator {
  app: Express;
  state: LineEmulatorState;
  options: ResolvedOptions;
}

/**
 * The LINE platform on one host: api.line.me, api-data.line.me, access.line.me (and LIFF's
 * endpoints on api.line.me) all answer at
 * the root, because the SDK drops any path in baseURL.
 */
export function createLineEmulator(options: LineEmulatorOptions = {}): LineEmulator {
  const resolved = resolveOptions(options);
  const state = new LineEmulatorState(resolved.now);
  const app = express();
  app.disable('x-powered-by');
  app.use(assignRequestId);
  app.use(controlRoutes(state, resolved));
  // Before LINE Login's: the browser's CORS for the LIFF endpoints, GET /oauth2/v2.1/verify among them.
  app.use(liffRoutes(state));
  // Before the Messaging API routes: /v2/bot/friendship/status takes a user token, not the channel's.
  app.use(loginRoutes(state, resolved));
  app.use(richMenuRoutes(state, resolved));
  app.use(messagingRoutes(state, resolved));
  app.use((_req, res) => lineError(res, 404, 'Not found'));
  return { app, state, options: resolved };
}

export interface RunningLineEmulator extends LineEmulator {
  baseUrl: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 at a free port. */
export function startLineEmulator(options: LineEmulatorOptions = {}): Promise<RunningLineEmulator> {
  const emulator = createLineEmulator(options);
  return new Promise((resolve, reject) => {
    const server = emulator.app.listen(0, '127.0.0.1', (err?: Error) => {
      if (err) return reject(err);
      const { port } = server.address() as AddressInfo;
      resolve({
        ...emulator,
        baseUrl: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((closeErr) => (closeErr ? fail(closeErr) : done()));
          }),
      });
    });
    server.once('error', reject);
  });
}
