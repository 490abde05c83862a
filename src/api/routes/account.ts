import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { startWalletActivation, walletCodeProof } from '../../wallet/activation';
import type { Settings } from '../../config/settings';
import { encryptField, keyedHash, maskPhone, normalisePhone, NormaliseError } from '../../crypto';
import { walletActivationWorkflowId } from '../../domain/ids';
import { isVirtualNumber } from '../../phone/intelligence';
import { submitWalletVerificationUpdate, walletActivationViewQuery } from '../../../workflows/wallet-activation';
import { sendUpdate } from '../updates';
import { updateIdFrom } from '../idempotency';
import { HttpProblem } from '../problem';
import { requireUser, type IdentityVerifier } from '../identity';

/** The user's own account: e-wallet activation (S302–S309, S501–S504) and phone binding (S404–S407). */
const verificationSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'the verification code has 6 digits') }).strict();
const phoneSchema = z.object({ phone: z.string().trim().min(6).max(32) }).strict();

export function accountRoutes(deps: { knex: Knex; temporal: Client; settings: Settings; verifier: IdentityVerifier; loginUrl: (req: Request) => string }): Router {
  const router = Router();
  const user = requireUser(deps.verifier, deps.loginUrl);
  const ring = deps.settings.keys.field;

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
    res.json(await sendUpdate(handle, submitWalletVerificationUpdate, { args: [{ userId, codeProof: proof }], updateId: updateIdFrom(req, res) }));
  });

  router.get('/api/wallet/activation', user, async (_req, res) => {
    res.json(await deps.temporal.workflow.getHandle(walletActivationWorkflowId(res.locals.userId)).query(walletActivationViewQuery));
  });

  // S404–S405: the buyer binds a phone; numbers are stored encrypted, matched by keyed hash.
  router.post('/api/phone-binding', user, async (req, res) => {
    const body = phoneSchema.parse(req.body);
    let phone: string;
    try {
      phone = normalisePhone(body.phone);
    } catch (err) {
      if (err instanceof NormaliseError) throw new HttpProblem(422, 'invalid-phone', err.message);
      throw err;
    }
    const userId: string = res.locals.userId;
    const hash = keyedHash(deps.settings.secrets.hashSecret, phone);
    const latest = await deps.knex('phone_bindings').where({ user_id: userId }).orderBy('bound_at', 'desc').first('phone_hash');
    if (latest?.phone_hash !== hash) {
      await deps.knex('users').insert({ user_id: userId }).onConflict('user_id').ignore();
      await deps.knex('phone_bindings').insert({
        user_id: userId, phone_hash: hash, phone_ciphertext: encryptField(ring, phone), phone_masked: maskPhone(phone),
        is_virtual: isVirtualNumber(phone, deps.settings.virtualPhonePrefixes),
      });
    }
    res.status(201).json({ phone: maskPhone(phone) });
  });

  return router;
}
