import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';

/** One dependency's answer must come within this, so a probe never hangs on a dead peer. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessDeps {
  knex: Knex;
  temporal: Client;
  timeoutMs?: number;
  /** The worker: polling its task queue yet (it bundles and connects first). */
  started?: () => boolean;
}

export type CheckResult = 'ok' | 'unreachable';

export interface Readiness {
  ready: boolean;
  checks: { postgresql: CheckResult; temporal: CheckResult; worker?: 'ok' | 'starting' };
}

async function withinTime(work: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/** PostgreSQL answers a query and the Temporal frontend answers GetSystemInfo. */
export async function readiness(deps: ReadinessDeps): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? READINESS_CHECK_TIMEOUT_MS;
  const [postgresql, temporal] = await Promise.all([
    withinTime(() => deps.knex.raw('select 1'), timeoutMs),
    withinTime(() => deps.temporal.workflowService.getSystemInfo({}), timeoutMs),
  ]);
  const worker = deps.started ? (deps.started() ? 'ok' : 'starting') : undefined;
  return {
    ready: postgresql === 'ok' && temporal === 'ok' && worker !== 'starting',
    checks: { postgresql, temporal, ...(worker ? { worker } : {}) },
  };
}

/**
 * `/healthz`: the process is alive and serving (no dependency asked: a restart would not fix
 * them). `/readyz`: PostgreSQL and Temporal are reachable, else 503 (take it out of rotation).
 */
export function healthRoutes(deps: ReadinessDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ ok: true }));
  router.get('/readyz', async (_req, res) => {
    const result = await readiness(deps);
    res.status(result.ready ? 200 : 503).json(result);
  });
  return router;
}
