/**
 * The JSON API as an OpenAPI 3.1 document, served at GET /api/openapi.json. A test checks that
 * every route the app serves is described here and every path described here is served.
 */
type Operation = {
  summary: string;
  security?: Array<Record<string, string[]>>;
  idempotent?: boolean;
  body?: Record<string, unknown>;
  /** false when every field is optional and no body at all is fine. */
  bodyRequired?: boolean;
};

const user = [{ lineIdToken: [] }];
const staff = [{ staffToken: [] }];
const signed = [{ providerSignature: [] }];

const money = { amountMinor: { type: 'integer', minimum: 1 }, currency: { enum: ['TWD', 'JPY', 'THB', 'USD'] } };

/** path → method → operation; `{code}` is a payment code, `{id}` a payout or entry id. */
export const API_OPERATIONS: Record<string, Record<string, Operation>> = {
  '/api/links': {
    post: {
      summary:
        'S301–S306: create a payment link (seller; wallet must be enabled); a retry with the same Idempotency-Key gets the same link',
      security: user,
      idempotent: true,
      body: {
        name: { type: 'string' },
        unitPriceMinor: { type: 'integer' },
        quantity: { type: 'integer' },
        currency: money.currency,
        imageUrl: { type: 'string' },
        description: { type: 'string' },
        variant: { enum: ['full', 'simple'] },
      },
    },
  },
  '/api/orders': { get: { summary: "The caller's orders (read model)", security: user } },
  '/api/orders/{code}': { get: { summary: 'An order as its parties see it', security: user } },
  '/api/orders/{code}/transcript': {
    get: {
      summary:
        "S203: the deal's transcript — every message we sent its buyer and seller, in order, with whom it went to (role, `you`), as they saw it in the reader's language (`?lang=zh-TW|en`, else theirs); codes hidden; the other party's private messages, third parties' and undelivered ones left out. The deal's parties only (anyone else 404)",
      security: user,
    },
  },
  '/api/orders/{code}/payment-requests': {
    post: {
      summary: 'S101–S108: request payment with the dynamic password',
      security: user,
      idempotent: true,
      body: { dynamicPassword: { type: 'string' } },
    },
  },
  '/api/orders/{code}/payment-parameters': {
    post: {
      summary:
        "S111: `method: card` pays at the provider's hosted checkout (S112 sends the OTP first in the full variant; the answer or the OTP's gives `checkoutUrl`); `paymentSource` (a provider token) is kept for integrations that tokenise themselves",
      security: user,
      idempotent: true,
      body: { method: { enum: ['card'] }, paymentSource: { type: 'object' } },
    },
  },
  '/api/orders/{code}/otp': {
    post: {
      summary: 'S113–S115: the OTP back; then the hosted checkout (`checkoutUrl`), or the charge starts (token)',
      security: user,
      idempotent: true,
      body: { otp: { type: 'string', pattern: '^\\d{6}$' } },
    },
  },
  '/api/orders/{code}/otp/resend': { post: { summary: 'S112 again: a fresh OTP', security: user, idempotent: true } },
  '/api/orders/{code}/decision': {
    post: {
      summary: 'S204–S206: agree, or dispute with a reason',
      security: user,
      idempotent: true,
      body: { decision: { enum: ['agree', 'dispute'] }, reason: { type: 'string' } },
    },
  },
  '/api/orders/{code}/cancel': { post: { summary: 'Seller withdraws an unpaid link', security: user, idempotent: true } },
  '/api/wallet': { get: { summary: "The caller's e-wallet state", security: user } },
  '/api/friendship': {
    get: {
      summary: 'S103: whether the caller has added our official account (after its follow event), and where to add it',
      security: user,
    },
  },
  '/api/wallet/activation': {
    post: { summary: 'S302–S303 / S502–S503: request activation', security: user },
    get: { summary: 'The activation workflow as it stands', security: user },
  },
  '/api/wallet/verification': {
    post: {
      summary: 'S304/S307–S309: answer with the verification code',
      security: user,
      idempotent: true,
      body: { code: { type: 'string' } },
    },
  },
  '/api/phone-binding': {
    post: {
      summary:
        'S404–S405: text a 6-digit code to this number (202); the same number as the bound one answers 200; caps answer 429 with Retry-After',
      security: user,
      body: { phone: { type: 'string' } },
    },
    get: { summary: 'The bound number and any code waiting, masked', security: user },
  },
  '/api/phone-binding/verification': {
    post: {
      summary: 'S404–S405: the texted code back; the binding is written only now (201)',
      security: user,
      body: { code: { type: 'string', pattern: '^\\d{6}$' } },
    },
  },
  '/api/quick-receive': {
    post: {
      summary: 'S601–S607 / S701–S707: quick receive, with a bank account to verify if none is stored',
      security: user,
      idempotent: true,
      body: {
        role: { enum: ['buyer', 'seller'] },
        bankCode: { type: 'string' },
        accountNumber: { type: 'string' },
        holderName: { type: 'string' },
        verificationCode: { type: 'string' },
      },
    },
    get: { summary: 'The quick-receive outcome (poll)', security: user },
  },
  '/api/quick-receive/revoke': {
    post: {
      summary: 'Revoke the receiving identity code',
      security: user,
      bodyRequired: false,
      body: { role: { enum: ['buyer', 'seller'] } },
    },
  },
  '/api/payouts': { post: { summary: 'Wallet → verified bank account', security: user, idempotent: true, body: money } },
  '/api/payouts/{id}': { get: { summary: "One of the caller's payouts", security: user } },
  '/api/wallet/statement': {
    get: {
      summary: 'The caller’s e-wallet: balance per currency (available, held, withdrawing) and movements with their deals',
      security: user,
    },
  },
  '/api/support/disputes': { get: { summary: 'Dispute queue (viewer+)', security: staff } },
  '/api/support/orders/{code}': { get: { summary: 'An order with its messages (viewer+)', security: staff } },
  '/api/support/orders/{code}/resolution': {
    post: {
      summary: 'S205: release, refund or split (agent+)',
      security: staff,
      idempotent: true,
      body: {
        resolution: { enum: ['release', 'refund', 'split'] },
        sellerAmountMinor: { type: 'integer' },
        buyerAmountMinor: { type: 'integer' },
        note: { type: 'string' },
      },
    },
  },
  '/api/support/operations-status': {
    get: {
      summary:
        'What the scheduled checks found: open reconciliation differences, the last reconciliation run and audit-chain result, and whether anything needs attention (viewer+)',
      security: staff,
    },
  },
  '/api/support/parked': {
    get: { summary: 'Parked deals: a money step was refused or did not add up; money untouched (viewer+)', security: staff },
  },
  '/api/support/orders/{code}/parked-resolution': {
    post: {
      summary: 'Act on a parked deal: retry the step, or refund the buyer, with a note (agent+)',
      security: staff,
      idempotent: true,
      body: { action: { enum: ['retry', 'refund'] }, note: { type: 'string' } },
    },
  },
  '/api/support/users/{userId}/phone-bindings/clear': {
    post: {
      summary: 'S407: support verified the buyer (agent+)',
      security: staff,
      bodyRequired: false,
      body: { reason: { type: 'string' } },
    },
  },
  '/api/support/users/{userId}/wallet/unlock': {
    post: {
      summary: 'S309: end a wallet lockout early (agent+)',
      security: staff,
      idempotent: true,
      bodyRequired: false,
      body: { reason: { type: 'string' } },
    },
  },
  '/api/support/console/queues/{queue}': {
    get: {
      summary:
        'A work queue as a page of a table (viewer+; line-events agent+): disputes, payouts, bindings, lockouts, parked, line-events; q, sort, dir, page, pageSize and exact filters',
      security: staff,
    },
  },
  '/api/support/console/search': {
    get: {
      summary: 'Find deals and people by TX code, payment code, display name, LINE user, receiving code, phone or bank account (viewer+)',
      security: staff,
    },
  },
  '/api/support/console/deals/{code}': {
    get: {
      summary: "A deal's page: timeline, messages as each party saw them, ledger, audit, evidence, Temporal link (viewer+)",
      security: staff,
    },
  },
  '/api/support/console/deals/{code}/evidence/{id}': { get: { summary: 'A photo a party sent for a dispute (viewer+)', security: staff } },
  '/api/support/console/deals/{code}/messages': {
    post: {
      summary: 'Message a party of the deal through LINE, with a reason (agent+)',
      security: staff,
      idempotent: true,
      body: { to: { enum: ['buyer', 'seller'] }, text: { type: 'string' }, reason: { type: 'string' } },
    },
  },
  '/api/support/console/deals/{code}/deadline': {
    post: {
      summary: 'Give an open dispute more time before it escalates, with a reason (agent+)',
      security: staff,
      idempotent: true,
      body: { extendByHours: { type: 'integer', minimum: 1 }, reason: { type: 'string' } },
    },
  },
  '/api/support/console/deals/{code}/evidence-requests': {
    post: {
      summary: 'Ask a party for their side (words and photos in the chat), with a reason (agent+)',
      security: staff,
      idempotent: true,
      body: { from: { enum: ['buyer', 'seller'] }, note: { type: 'string' }, reason: { type: 'string' } },
    },
  },
  '/api/support/watchlist': {
    post: {
      summary: 'S401: add a watch-list entry (agent+)',
      security: staff,
      body: {
        keyType: { type: 'string' },
        value: { type: 'string' },
        reason: { type: 'string' },
        source: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
  },
  '/api/support/watchlist/{id}': {
    delete: { summary: 'Remove a watch-list entry (agent+)', security: staff, body: { reason: { type: 'string' } } },
  },
  '/api/support/payouts': { get: { summary: 'Payouts by state, e.g. held (viewer+)', security: staff } },
  '/api/support/payouts/{id}/release': {
    post: {
      summary:
        'Approve the release of a held payout (agent+); two different agents release it (four eyes): the first answers awaiting_second_approval, the same agent again 409 same-approver',
      security: staff,
      idempotent: true,
      bodyRequired: false,
      body: { note: { type: 'string' } },
    },
  },
  '/api/support/payouts/{id}/reject': {
    post: {
      summary: 'Reject a held payout; the money returns to the wallet (agent+)',
      security: staff,
      idempotent: true,
      bodyRequired: false,
      body: { note: { type: 'string' } },
    },
  },
  '/api/support/line-events': {
    get: { summary: 'LINE inbox events by status (default gave_up), without what users wrote (agent+)', security: staff },
  },
  '/api/support/line-events/{id}/redrive': {
    post: {
      summary: 'Put a gave_up LINE event back to pending with a fresh budget, audited (agent+)',
      security: staff,
      bodyRequired: false,
      body: { reason: { type: 'string' } },
    },
  },
  '/webhooks/payments': { post: { summary: 'S201: payment provider result (signed)', security: signed } },
  '/webhooks/bankcenter': { post: { summary: 'S604/S704: verification center result (signed)', security: signed } },
  '/webhooks/payouts': { post: { summary: 'Payout provider result (signed)', security: signed } },
};

const problem = {
  description: 'Refused, with a reason',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const limited = {
  ...problem,
  description: 'Too many requests (rate limited); retry after Retry-After seconds',
  headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } },
};

export function openApiDocument(publicBaseUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(API_OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
      paths[path][method] = {
        summary: op.summary,
        security: op.security,
        parameters: [
          ...params,
          ...(op.idempotent
            ? [
                {
                  name: 'Idempotency-Key',
                  in: 'header',
                  required: false,
                  description: 'The same key is the same step, once',
                  schema: { type: 'string', pattern: '^[\\w\\-:.]{8,128}$' },
                },
              ]
            : []),
        ],
        ...(op.body
          ? {
              requestBody: {
                required: op.bodyRequired ?? true,
                content: { 'application/json': { schema: { type: 'object', properties: op.body } } },
              },
            }
          : {}),
        responses: {
          '200': { description: 'Done' },
          '400': problem,
          '401': problem,
          '403': problem,
          '404': problem,
          '409': problem,
          '413': problem,
          '415': problem,
          '422': problem,
          '429': limited,
          '503': problem,
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chat-native escrow payments', version: '0.1.0', description: 'Errors are application/problem+json (RFC 9457).' },
    servers: [{ url: publicBaseUrl }],
    paths,
    components: {
      securitySchemes: {
        lineIdToken: { type: 'http', scheme: 'bearer', description: 'A LINE ID token, verified by the server with LINE' },
        staffToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from the staff identity provider (OpenID Connect, OIDC_ISSUER_URL; audience OIDC_AUDIENCE) whose OIDC_ROLES_CLAIM lists viewer, agent or admin; the support console uses its session cookie instead (with X-CSRF-Token on changes)',
        },
        providerSignature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: 't=<unix s>,v1=<HMAC-SHA256 hex>' },
      },
      schemas: {
        Problem: {
          type: 'object',
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
        },
      },
    },
  };
}
