import { Router } from 'express';
import type { Knex } from 'knex';
import { operationsStatus } from '../../ops/checks';
import { requireStaff, type StaffAuthenticator } from '../staff-auth';

/**
 * `GET /api/support/operations-status` (viewer+): what the scheduled checks found — open
 * reconciliation differences and the last audit-chain result — for the support console's banner.
 * It names payment codes and payout references, no personal data, so a view is not audited
 * (the console polls it).
 */
export function supportOperationsRoutes(deps: { knex: Knex; staffAuth: StaffAuthenticator }): Router {
  const router = Router();
  router.get('/api/support/operations-status', requireStaff(deps.staffAuth, 'viewer'), async (_req, res) => {
    res.json(await operationsStatus(deps.knex));
  });
  return router;
}
