import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { startWalletActivation, walletCodeProof } from '../../wallet/activation';
import type { Settings } from '../../config/settings';
import { walletActivationWorkflowId } from '../../domain/ids';
import { submitWalletVerificationUpdate, walletActivationViewQuery } from '../../../workflows/wallet-activation-messages';
import { sendUpdate } from '../updates';
import { updateIdFrom } from '../idempotency';
import { requireUser, type IdentityVerifier } from '../identity';
import { phoneBindingRoutes } from './phone-binding';
import type { ChatPort } from '../../chat/port';
import { createPendingSale } from '../../links/sale-drafts';

/** The user's own account: e-wallet activation (S302–S309, S501–S504) and phone binding (S404–S407). */
const verificationSchema = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'the verification code has 6 digits'),
  })
  .strict();

export function accountRoutes(deps: {
  knex: Knex;
  temporal: Client;
  chat: ChatPort;
  settings: Settings;
  verifier: IdentityVerifier;
  loginUrl: (req: Request) => string;
}): Router {
  const router = Router();
  const user = requireUser(deps.verifier, deps.loginUrl);

  router.get('/api/wallet', user, async (_req, res) => {
    const wallet = await deps.knex('wallets').where({ user_id: res.locals.userId }).first('state', 'locked_until', 'activated_at');
    res.json(wallet ?? { state: 'inactive' });
  });

  router.post('/api/wallet/activation', user, async (req, res) => {
    const role = req.query.role === 'buyer' ? 'buyer' : 'seller';
    await startWalletActivation(deps, res.locals.userId, role);
    res.status(202).json({ status: 'activation_requested' });
  });

  router.post('/api/wallet/verification', user, async (req, res) => {
    const body = verificationSchema.parse(req.body);
    const userId: string = res.locals.userId;
    const handle = deps.temporal.workflow.getHandle(walletActivationWorkflowId(userId));
    const proof = walletCodeProof(deps.settings.secrets.hashSecret, userId, body.code);
    const result = await sendUpdate(handle, submitWalletVerificationUpdate, {
      args: [{ userId, codeProof: proof }],
      updateId: updateIdFrom(req, res),
    });
    // A sale begun in the chat before the wallet existed becomes its payment link now (issue 10).
    if (result.outcome === 'activated') await createPendingSale(deps, userId);
    res.json(result);
  });

  // S103 bind request: the pay page waits here for the follow event before it carries on.
  router.get('/api/friendship', user, async (_req, res) => {
    const row = await deps.knex('users').where({ user_id: res.locals.userId }).first('is_friend');
    res.json({ friend: row?.is_friend === true, addFriendUrl: deps.settings.line.addFriendUrl });
  });

  router.get('/api/wallet/activation', user, async (_req, res) => {
    res.json(await deps.temporal.workflow.getHandle(walletActivationWorkflowId(res.locals.userId)).query(walletActivationViewQuery));
  });

  router.use(phoneBindingRoutes({ knex: deps.knex, settings: deps.settings, user }));

  return router;
}
