import type { Knex } from 'knex';
import { loadSettings } from '../../src/config/settings';
import { DEFAULT_LIMIT_POLICY } from '../../src/limits';
import { encryptField, fieldKeyRingFromEnv, keyedHash, maskPhone } from '../../src/crypto';
import { newUserId } from '../../src/emulators/line';
import type { ClusterSystem } from '../../src/runtime/cluster-system';
import { uniquePhone } from './deal-steps';

/**
 * Whole deals driven through a running cluster's one api port, as people do them (the fault
 * scenario and the cluster benchmark): parties, links, and the steps of a happy deal. Calls that
 * an outage fails (a 5xx, a 429, no connection) are sent again with the same Idempotency-Key.
 */
export type Party = { userId: string; token: string };
export interface Deal {
  paymentCode: string;
  dynamicPassword: string;
  transactionCode: string;
  seller: Party;
  buyer: Party;
}

/**
 * Settings for the cluster's processes when one test drives many deals through few users: no
 * velocity rules or tier caps (a seller here sells 20 times an hour) and no rate limits.
 */
export function manyDealsEnv(): Record<string, string> {
  const unlimitedMinor = 1_000_000_000;
  return {
    LIMIT_POLICY: JSON.stringify({
      ...DEFAULT_LIMIT_POLICY,
      rules: [],
      tiers: { basic: { monthlySpendMinor: unlimitedMinor, monthlyReceiveMinor: unlimitedMinor } },
    }),
    RATE_LIMIT_LOGIN_MAX: '1000000',
    RATE_LIMIT_OTP_MAX: '1000000',
    RATE_LIMIT_LINKS_MAX: '1000000',
  };
}

export const STEP_BUDGET_MS = 180_000;
const RETRY_PAUSE_MS = 300;

export function clusterDeals(system: ClusterSystem, knex: Knex, retriedCalls: Record<string, number> = {}) {
  /** How long each kind of call took, from first send to final answer (retries included). */
  const latencies: Record<string, number[]> = {};
  const line = () => system.emulators.line!;
  const payments = () => system.emulators.payments!;

  async function newParty(): Promise<Party> {
    const userId = newUserId();
    line().state.addUser({ userId, displayName: `user ${userId.slice(-4)}`, friend: true });
    const res = await fetch(`${line().baseUrl}/__emulator/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ttlSeconds: 3600 }),
    });
    const { idToken } = (await res.json()) as { idToken: string };
    return { userId, token: idToken };
  }

  /** A party with an active wallet and a bound phone, written straight into the tables (as test/support does). */
  async function readyParty(): Promise<Party> {
    const party = await newParty();
    const settings = loadSettings(system.childEnv);
    const ring = fieldKeyRingFromEnv(system.childEnv);
    const phone = uniquePhone();
    await knex('users').insert({ user_id: party.userId, display_name: `user ${party.userId.slice(-4)}` });
    await knex('wallets').insert({ user_id: party.userId, state: 'active', activated_at: new Date() });
    await knex('phone_bindings').insert({
      user_id: party.userId,
      phone_hash: keyedHash(settings.secrets.hashSecret, phone),
      phone_ciphertext: encryptField(ring, phone),
      phone_masked: maskPhone(phone),
      is_virtual: false,
    });
    return party;
  }

  /** One call; what an outage fails (a 5xx, a 429, no connection) is sent again with the same Idempotency-Key. */
  async function call(name: string, path: string, token: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
    const deadline = Date.now() + STEP_BUDGET_MS;
    const startedAt = performance.now();
    for (;;) {
      let status = 0;
      let answer: any;
      try {
        const res = await fetch(`${system.apiUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        status = res.status;
        answer = await res.json().catch(() => undefined);
      } catch (err) {
        answer = String(err);
      }
      if (status > 0 && status < 500 && status !== 429) {
        (latencies[name] ??= []).push(performance.now() - startedAt);
        return { status, body: answer };
      }
      if (key === undefined || Date.now() > deadline) throw new Error(`${name}: ${status} ${JSON.stringify(answer)}`);
      retriedCalls[name] = (retriedCalls[name] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }

  async function until<T>(what: string, check: () => Promise<T | undefined>, budgetMs = STEP_BUDGET_MS): Promise<T> {
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const value = await check().catch(() => undefined); // an outage fails a look: look again
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not reached in ${budgetMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const stateOf = async (code: string) => (await knex('orders').where({ payment_code: code }).first('state'))?.state as string | undefined;

  function otpSentTo(buyer: Party, transactionCode: string): string | undefined {
    for (const m of line().state.messagesTo(buyer.userId).reverse()) {
      const text = JSON.stringify(m.message);
      if (!text.includes(transactionCode)) continue;
      const found = /驗證碼\D{0,3}(\d{4,8})/.exec(text) ?? /code\D{0,3}(\d{4,8})/i.exec(text);
      if (found) return found[1];
    }
    return undefined;
  }

  /** S101–S203: payment request, parameters, the OTP from LINE; resolves once the money is in escrow (the deal then waits on its decision timer). */
  async function runToEscrow(deal: Deal): Promise<void> {
    const { paymentCode: code, buyer } = deal;
    const requested = await call(
      'payment request',
      `/api/orders/${code}/payment-requests`,
      buyer.token,
      { dynamicPassword: deal.dynamicPassword },
      `req-${code}`,
    );
    if (requested.body?.outcome !== 'payment_info')
      throw new Error(`request ${code}: ${requested.status} ${JSON.stringify(requested.body)}`);
    const params = await call(
      'payment parameters',
      `/api/orders/${code}/payment-parameters`,
      buyer.token,
      { paymentSource: { type: 'card', token: 'tok_visa' } },
      `params-${code}`,
    );
    if (params.body?.outcome !== 'otp_sent') throw new Error(`parameters ${code}: ${params.status} ${JSON.stringify(params.body)}`);
    const otp = await until(`otp for ${code}`, async () => otpSentTo(buyer, deal.transactionCode));
    const paid = await call('otp', `/api/orders/${code}/otp`, buyer.token, { otp }, `otp-${code}`);
    if (paid.body?.outcome !== 'charging') throw new Error(`otp ${code}: ${paid.status} ${JSON.stringify(paid.body)}`);
    // Escrow as the buyer's page shows it (the deal's own view, not the read model: after a lost
    // workflow task the orders row can be ahead of the workflow until the step is replayed).
    await until(`escrow for ${code}`, async () => {
      const res = await fetch(`${system.apiUrl}/api/orders/${code}`, { headers: { authorization: `Bearer ${buyer.token}` } });
      return res.ok && ((await res.json()) as { state?: string }).state === 'escrow' ? true : undefined;
    });
  }

  /** The buyer agrees (S205); resolves once the deal completed. */
  async function decide(deal: Deal): Promise<void> {
    const { paymentCode: code, buyer } = deal;
    const deadline = Date.now() + STEP_BUDGET_MS;
    for (;;) {
      const decided = await call('decision', `/api/orders/${code}/decision`, buyer.token, { decision: 'agree' }, `decide-${code}`);
      if (decided.status < 300) break;
      // The view said escrow, then a worker died before that step was recorded: the step runs
      // again and the decision waits for it, as a buyer tapping again would.
      const behind = decided.status === 409 && String(decided.body?.detail ?? '').includes('payment_pending');
      if (!behind || Date.now() > deadline) throw new Error(`decision ${code}: ${decided.status} ${JSON.stringify(decided.body)}`);
      retriedCalls['decision refused: deal behind its view'] = (retriedCalls['decision refused: deal behind its view'] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
    await until(`completion of ${code}`, async () => ((await stateOf(code)) === 'completed' ? true : undefined));
  }

  async function createDeal(seller: Party, i: number): Promise<Deal> {
    const [buyer, link] = await Promise.all([
      readyParty(),
      call('create link', '/api/links', seller.token, { name: `Cluster item ${i}`, unitPriceMinor: 500 + i, quantity: 1 }),
    ]);
    if (link.status !== 201) throw new Error(`link: ${link.status} ${JSON.stringify(link.body)}`);
    return { ...(link.body as Omit<Deal, 'seller' | 'buyer'>), seller, buyer };
  }

  async function runDeal(deal: Deal): Promise<void> {
    await runToEscrow(deal);
    await decide(deal);
  }

  return { line, payments, runToEscrow, decide, readyParty, call, until, runDeal, createDeal, latencies, retriedCalls };
}
