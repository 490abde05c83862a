import { createHash } from 'node:crypto';
import { Router } from 'express';
import { SIMULATOR_HTML } from './page';

/**
 * GET /pages/simulator: a chat simulator for local development. One person plays a seller and a
 * buyer side by side in the LINE emulator: typed texts and taps go through the emulator's
 * webhook relay (signed, like LINE), and each side shows what the bot sent that user.
 * GET /pages/simulator/config.json tells the page where the emulator is.
 */
export const SIMULATOR_PATH = '/pages/simulator';

export interface SimulatorDeps {
  /** The LINE emulator's base URL (LINE_API_BASE_URL in development); undefined when real LINE is used. */
  lineEmulatorUrl: string | undefined;
}

/** The page's one inline script, allowed by its hash and nothing else. */
const SCRIPT_HASH = createHash('sha256')
  .update(/<script>([\s\S]*?)<\/script>/.exec(SIMULATOR_HTML)![1])
  .digest('base64');

/**
 * The page may run only its own script and talk only to us and the configured emulator; a
 * javascript: navigation it were tricked into would be blocked by the same policy.
 */
function contentSecurityPolicy(lineEmulatorUrl: string | undefined): string {
  const emulator = lineEmulatorUrl ? ` ${new URL(lineEmulatorUrl).origin}` : '';
  return [
    "default-src 'none'",
    `script-src 'sha256-${SCRIPT_HASH}'`,
    "style-src 'unsafe-inline'",
    "img-src 'self' http: https: data:",
    `connect-src 'self'${emulator}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function simulatorRouter(deps: SimulatorDeps): Router {
  const router = Router();
  const csp = contentSecurityPolicy(deps.lineEmulatorUrl);
  router.get(SIMULATOR_PATH, (_req, res) => {
    res.set({ 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': csp }).type('html').send(SIMULATOR_HTML);
  });
  router.get(`${SIMULATOR_PATH}/config.json`, (_req, res) => {
    res.set('cache-control', 'no-store').json({ lineEmulatorUrl: deps.lineEmulatorUrl ?? null });
  });
  return router;
}

/** The emulator's URL (LINE_API_BASE_URL), unless it points at the real LINE platform. */
export function lineEmulatorUrlFrom(lineApiBaseUrl: string | undefined): string | undefined {
  return lineApiBaseUrl && !/^https:\/\/api\.line\.me\/?$/.test(lineApiBaseUrl) ? lineApiBaseUrl : undefined;
}
