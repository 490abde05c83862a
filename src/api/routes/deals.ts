import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { orderWorkflowId, PAYMENT_CODE_PATTERN } from '../../domain/ids';
import { CURRENCIES, MAX_AMOUNT_MINOR } from '../../domain/money';
import { TEXT_LIMITS } from '../../domain/limits';
import { PAYMENT_SOURCE_TYPES } from '../../domain/payment-sources';
import { createPaymentLink, type LinkDeps } from '../../links/create-link';
import { otpProof } from '../../otp/otp';
import { recordDecisionIntent } from '../../deal/decision-intents';
import { partyTranscript, readDealDeliveries } from '../../deal/transcript';
import { fieldKeyRingFromEnv } from '../../crypto';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES } from '../../line/render';
import {
  cancelLinkUpdate,
  decideUpdate,
  orderViewQuery,
  type OrderView,
  requestPaymentUpdate,
  resendOtpUpdate,
  submitOtpUpdate,
  submitPaymentParametersUpdate,
} from '../../../workflows/order-messages';
import { sendUpdate } from '../updates';
import { idempotencyKeyFrom, updateIdFrom } from '../idempotency';
import { HttpProblem } from '../problem';
import type { IdentityVerifier } from '../identity';
import { requireUser } from '../identity';

/**
 * The deal as buyers and sellers drive it from the payment page and the chat: S301–S306 link
 * creation, S101–S118 payment, S204–S205 the buyer's decision. Each call maps to one workflow
 * update; an `Idempotency-Key` header becomes the update id, so a double submit is one step.
 */
const productSchema = z
  .object({
    name: z.string().trim().min(1).max(TEXT_LIMITS.productNameMaxChars),
    unitPriceMinor: z.number().int().positive().max(MAX_AMOUNT_MINOR),
    quantity: z.number().int().positive().max(10_000),
    currency: z.enum(CURRENCIES).default('TWD'),
    imageUrl: z
      .string()
      .url()
      .max(TEXT_LIMITS.imageUrlMaxChars)
      .refine((u) => u.startsWith('https://') || u.startsWith('http://'), 'must be http(s)')
      .optional(),
    description: z.string().max(TEXT_LIMITS.productDescriptionMaxChars).optional(),
    variant: z.enum(['full', 'simple']).default('full'),
  })
  .strict()
  .refine((p) => p.unitPriceMinor * p.quantity <= MAX_AMOUNT_MINOR, { message: `total must be at most ${MAX_AMOUNT_MINOR}` });

const passwordSchema = z.object({ dynamicPassword: z.string().trim().min(1).max(TEXT_LIMITS.dynamicPasswordMaxChars) }).strict();
/** The hosted checkout (`method: card`: nothing typed here), or a provider token from an integration that tokenises itself. */
const parametersSchema = z.union([
  z.object({ method: z.literal('card') }).strict(),
  z
    .object({
      paymentSource: z
        .object({ type: z.enum(PAYMENT_SOURCE_TYPES), token: z.string().min(1).max(TEXT_LIMITS.paymentTokenMaxChars) })
        .strict(),
    })
    .strict(),
]);
const otpSchema = z
  .object({
    otp: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'the verification code has 6 digits'),
  })
  .strict();
const decisionSchema = z
  .object({ decision: z.enum(['agree', 'dispute']), reason: z.string().trim().max(TEXT_LIMITS.disputeReasonMaxChars).optional() })
  .strict()
  .refine((d) => d.decision === 'agree' || (d.reason ?? '').length > 0, { message: 'a dispute needs a reason', path: ['reason'] });
/** The page's language (`?lang=`), else the reader's own (users.language). */
const transcriptQuery = z.object({ lang: z.enum(LANGUAGES).optional() });

type Viewer = 'seller' | 'buyer' | 'visitor';

function viewerOf(view: OrderView, userId: string): Viewer {
  return view.sellerId === userId ? 'seller' : view.buyerId !== undefined && view.buyerId === userId ? 'buyer' : 'visitor';
}

async function displayNames(knex: Knex, userIds: Array<string | undefined>): Promise<Map<string, string | null>> {
  const ids = userIds.filter((id): id is string => id !== undefined);
  const rows = await knex('users').whereIn('user_id', ids).select('user_id', 'display_name');
  return new Map(rows.map((r) => [r.user_id as string, (r.display_name as string | null) ?? null]));
}

/**
 * The order as one person may see it: a visitor (a link holder before anyone is attributed)
 * sees what is for sale and who sells it by name; each party sees the deal, their own id, and
 * the other party by name only.
 */
function orderViewFor(view: OrderView, viewer: Viewer, names: Map<string, string | null>) {
  const { sellerId, buyerId, ...deal } = view;
  const seller = { displayName: names.get(sellerId) ?? null };
  if (viewer === 'visitor')
    return {
      paymentCode: view.paymentCode,
      state: view.state,
      variant: view.variant,
      product: view.product,
      ...(view.fee !== undefined ? { fee: view.fee, chargeTotalMinor: view.chargeTotalMinor } : {}), // the price, as the link card says
      seller,
      viewer,
    };
  if (viewer === 'buyer') {
    // The card page is the buyer's after the OTP (S113) in the full variant; the ATM account from the payment info on.
    const gated = view.variant === 'full' && view.state !== 'awaiting_checkout' && deal.checkout !== undefined;
    const { url: _afterOtp, ...beforeOtp } = deal.checkout ?? { url: '' };
    return { ...deal, ...(gated ? { checkout: beforeOtp } : {}), buyerId, seller, viewer };
  }
  const { checkout: _buyersOnly, ...sellers } = deal; // the checkout page and the ATM account are the buyer's
  return { ...sellers, seller, ...(buyerId !== undefined ? { buyer: { displayName: names.get(buyerId) ?? null } } : {}), viewer };
}

/** Why a step is refused on an ended order, in words an integrator can show as they are. */
function closedDetail(state: string, untaken: boolean): string {
  if (state === 'expired' && untaken) return 'this payment link has expired: no buyer took it in time; ask the seller for a new link';
  if (state === 'cancelled') return 'the seller withdrew this payment link';
  return `this order has ended (${state})`;
}

export interface DealRouteDeps extends LinkDeps {
  knex: Knex;
  temporal: Client;
  verifier: IdentityVerifier;
  loginUrl: (req: Request) => string;
}

export function dealRoutes(deps: DealRouteDeps): Router {
  const router = Router();
  const user = requireUser(deps.verifier, deps.loginUrl);
  const secret = deps.settings.secrets.hashSecret;
  const ring = fieldKeyRingFromEnv(process.env);

  const order = (req: Request) => {
    const code = String(req.params.code);
    if (!PAYMENT_CODE_PATTERN.test(code)) throw new HttpProblem(404, 'not-found', 'no such payment code');
    return { code, handle: deps.temporal.workflow.getHandle(orderWorkflowId(code)) };
  };
  /**
   * A step on an order whose workflow has ended: its parties are told it has ended (409, with
   * how), and so is anyone holding a link no buyer ever took (they could see it for sale, so its
   * end is no secret: "expired", not "no such code"); anyone else learns nothing (404), as for an
   * order that never existed.
   */
  const step = async <T>(req: Request, res: Response, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const row = await deps
        .knex('orders')
        .where({ payment_code: String(req.params.code) })
        .first('state', 'seller_id', 'buyer_id');
      const userId = res.locals.userId as string;
      if (row && (row.seller_id === userId || row.buyer_id === userId || row.buyer_id === null))
        throw new HttpProblem(409, 'order-closed', closedDetail(row.state, row.buyer_id === null), { state: row.state });
      throw new HttpProblem(404, 'not-found', 'no such payment code');
    }
  };

  // S301–S306: the seller's setup request.
  router.post('/api/links', user, async (req, res) => {
    const product = productSchema.parse(req.body);
    const result = await createPaymentLink(deps, res.locals.userId, product, idempotencyKeyFrom(req));
    if (result.status === 'created') return void res.status(201).json(result);
    if (result.status === 'key_reused') {
      throw new HttpProblem(422, 'idempotency-key-reused', 'this Idempotency-Key already created a different payment link');
    }
    if (result.status === 'wallet_activation_required') {
      throw new HttpProblem(409, 'wallet-activation-required', 'enable your e-wallet first; we sent you the activation request', {
        activationUrl: result.activationUrl,
      });
    }
    throw new HttpProblem(
      403,
      result.reason === 'watch_listed' ? 'seller-blocked' : 'wallet-invalidated',
      'this account cannot create payment links',
    );
  });

  // The other party is named by display name: nobody is shown another user's platform id.
  router.get('/api/orders', user, async (_req, res) => {
    const userId: string = res.locals.userId;
    const rows = await deps
      .knex('orders as o')
      .leftJoin('users as s', 's.user_id', 'o.seller_id')
      .leftJoin('users as b', 'b.user_id', 'o.buyer_id')
      .where('o.seller_id', userId)
      .orWhere('o.buyer_id', userId)
      .orderBy('o.created_at', 'desc')
      .limit(50)
      .select(
        'o.payment_code',
        'o.state',
        'o.seller_id',
        'o.total_minor',
        'o.currency',
        'o.product_name',
        'o.updated_at',
        's.display_name as seller_name',
        'b.display_name as buyer_name',
      );
    res.json({
      orders: rows.map(({ seller_id: sellerId, seller_name: sellerName, buyer_name: buyerName, ...row }) => {
        const role = sellerId === userId ? 'seller' : 'buyer';
        return { ...row, role, counterpart: (role === 'seller' ? buyerName : sellerName) ?? null };
      }),
    });
  });

  router.get('/api/orders/:code', user, async (req, res) => {
    const { handle } = order(req);
    const view = await handle.query(orderViewQuery);
    const viewer = viewerOf(view, res.locals.userId);
    // Before attribution anyone with the link may see what is for sale; afterwards a non-party
    // learns nothing, not even that the order exists.
    if (viewer === 'visitor' && view.buyerId !== undefined) throw new HttpProblem(404, 'not-found', 'no such payment code');
    res.json(orderViewFor(view, viewer, await displayNames(deps.knex, [view.sellerId, view.buyerId])));
  });

  // S203 "transaction info (… chat screenshot)": what our official account told both parties
  // about this deal, for its parties only. Read from the tables, so it outlives the workflow;
  // anyone else gets the order view's refusal (404), learning nothing, not even that it exists.
  router.get('/api/orders/:code/transcript', user, async (req, res) => {
    const { code } = order(req);
    const query = transcriptQuery.parse(req.query);
    const userId: string = res.locals.userId;
    const row = await deps.knex('orders').where({ payment_code: code }).first('seller_id', 'buyer_id');
    if (!row || (row.seller_id !== userId && row.buyer_id !== userId)) throw new HttpProblem(404, 'not-found', 'no such payment code');
    const stored = (await deps.knex('users').where({ user_id: userId }).first('language'))?.language;
    const language = query.lang ?? (isLanguage(stored) ? stored : DEFAULT_LANGUAGE);
    const deliveries = await readDealDeliveries(deps.knex, ring, code);
    res.json(
      partyTranscript(
        deliveries,
        { paymentCode: code, sellerId: row.seller_id, buyerId: row.buyer_id ?? null },
        { userId, language },
        deps.settings.publicBaseUrl,
      ),
    );
  });

  router.post('/api/orders/:code/payment-requests', user, async (req, res) => {
    const body = passwordSchema.parse(req.body);
    const { handle } = order(req);
    const outcome = await step(req, res, () =>
      sendUpdate(handle, requestPaymentUpdate, {
        args: [{ buyerId: res.locals.userId, dynamicPassword: body.dynamicPassword }],
        updateId: updateIdFrom(req, res),
      }),
    );
    res.json(outcome);
  });

  router.post('/api/orders/:code/payment-parameters', user, async (req, res) => {
    const body = parametersSchema.parse(req.body);
    const { handle } = order(req);
    res.json(
      await step(req, res, () =>
        sendUpdate(handle, submitPaymentParametersUpdate, {
          args: [{ buyerId: res.locals.userId, ...('method' in body ? { method: body.method } : { paymentSource: body.paymentSource }) }],
          updateId: updateIdFrom(req, res),
        }),
      ),
    );
  });

  router.post('/api/orders/:code/otp', user, async (req, res) => {
    const body = otpSchema.parse(req.body);
    const { code, handle } = order(req);
    const proof = otpProof(secret, code, res.locals.userId, body.otp); // the code itself never reaches Temporal
    res.json(
      await step(req, res, () =>
        sendUpdate(handle, submitOtpUpdate, { args: [{ buyerId: res.locals.userId, otpProof: proof }], updateId: updateIdFrom(req, res) }),
      ),
    );
  });

  router.post('/api/orders/:code/otp/resend', user, async (req, res) => {
    const { handle } = order(req);
    res.json(
      await step(req, res, () =>
        sendUpdate(handle, resendOtpUpdate, { args: [{ buyerId: res.locals.userId }], updateId: updateIdFrom(req, res) }),
      ),
    );
  });

  router.post('/api/orders/:code/decision', user, async (req, res) => {
    const body = decisionSchema.parse(req.body);
    const { code, handle } = order(req);
    const id = updateIdFrom(req, res) ?? `decision:${crypto.randomUUID()}`;
    // Kept first: a decision taken before the window closed counts even if Temporal only hears of it later.
    const party = await deps.knex('orders').where({ payment_code: code, buyer_id: res.locals.userId }).first('payment_code');
    if (party)
      await recordDecisionIntent(deps.knex, {
        sourceId: `api:${id}`,
        paymentCode: code,
        buyerId: res.locals.userId,
        decision: body.decision,
        reason: body.reason,
        decidedAt: new Date(),
      });
    res.json(
      await step(req, res, () =>
        sendUpdate(handle, decideUpdate, {
          args: [{ buyerId: res.locals.userId, decision: body.decision, reason: body.reason }],
          updateId: id,
        }),
      ),
    );
  });

  router.post('/api/orders/:code/cancel', user, async (req, res) => {
    const { handle } = order(req);
    res.json(
      await step(req, res, () =>
        sendUpdate(handle, cancelLinkUpdate, { args: [{ sellerId: res.locals.userId }], updateId: updateIdFrom(req, res) }),
      ),
    );
  });

  return router;
}
