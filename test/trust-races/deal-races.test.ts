import { DEFAULT_LIMIT_POLICY } from '../../src/limits';
import { releaseTransferId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  createLink,
  eventually,
  fixtureReadyBuyers,
  lastMessage,
  orderState,
  type Link,
  type Party,
} from '../support/deal-steps';

/**
 * Issue 9, finding 6: handlers awaited and then wrote state without checking it again. Each race
 * here runs 50 times, every trial on its own deal: never two charges, never a charge on a
 * cancelled or expired order, never a decision and a silent release both, never two settlements.
 */
const TRIALS = 50;
const BATCH = 10;

describe('races inside one deal', () => {
  let h: DealHarness;
  let seller: Party;
  const agent = () => h.staff.tokens.agent;
  const roomyLimits = { ...DEFAULT_LIMIT_POLICY, rules: [], tiers: { basic: { monthlySpendMinor: 1e12, monthlyReceiveMinor: 1e12 } } };

  beforeAll(async () => {
    h = await startDealHarness({
      env: {
        DECISION_WINDOW_MS: '3000',
        DISPUTE_ESCALATION_MS: '3000',
        LIMIT_POLICY: JSON.stringify(roomyLimits),
        LINE_API_TIMEOUT_MS: '30000',
      },
    });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const chargesOf = (code: string) => [...h.payments.state.charges.values()].filter((c) => c.charge.reference === code);
  const post = (token: string, path: string, body?: unknown) => h.call('POST', path, token, body);

  /** `count` deals, each with its own buyer, brought to awaiting_otp (the OTP sent and readable). */
  async function dealsAwaitingOtp(count: number, name: string): Promise<Array<{ link: Link; buyer: Party; otp: string }>> {
    const buyers = await fixtureReadyBuyers(h, count, name);
    const deals: Array<{ link: Link; buyer: Party; otp: string }> = [];
    for (let i = 0; i < count; i += BATCH) {
      deals.push(
        ...(await Promise.all(
          buyers.slice(i, i + BATCH).map(async (buyer) => {
            const link = await createLink(h, seller, { name, unitPriceMinor: 700, quantity: 1 });
            expect(
              (await post(buyer.token, `/api/orders/${link.paymentCode}/payment-requests`, { dynamicPassword: link.dynamicPassword })).body
                .outcome,
            ).toBe('payment_info');
            expect(
              (
                await post(buyer.token, `/api/orders/${link.paymentCode}/payment-parameters`, {
                  paymentSource: { type: 'card', token: 'tok_visa' },
                })
              ).body.outcome,
            ).toBe('otp_sent');
            return { link, buyer, otp: lastMessage(h, buyer.userId, 'otp').otp as string };
          }),
        )),
      );
    }
    return deals;
  }

  async function inBatches<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(run));
  }

  it(`cancel vs a correct OTP, ${TRIALS} trials: a cancelled order is never charged`, async () => {
    const deals = await dealsAwaitingOtp(TRIALS, 'cancel-vs-otp');
    const outcomes = { cancelled: 0, charged: 0 };
    await inBatches(deals, async ({ link, buyer, otp }) => {
      const [cancel, paid] = await Promise.all([
        post(seller.token, `/api/orders/${link.paymentCode}/cancel`),
        post(buyer.token, `/api/orders/${link.paymentCode}/otp`, { otp }),
      ]);
      if (cancel.status === 200) {
        outcomes.cancelled += 1;
        expect(paid.body.outcome).not.toBe('charging');
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'cancelled');
        expect(chargesOf(link.paymentCode)).toHaveLength(0);
      } else {
        outcomes.charged += 1;
        expect(cancel.status).toBe(409);
        expect(paid.body.outcome).toBe('charging');
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
        expect(chargesOf(link.paymentCode)).toHaveLength(1);
      }
    });
    expect(outcomes.cancelled + outcomes.charged).toBe(TRIALS);
  });

  it(`a payment request still screening while the buyer pays, ${TRIALS} trials: never back to taking parameters, one charge`, async () => {
    const buyers = await fixtureReadyBuyers(h, TRIALS, 'request-vs-pay');
    const deals = await Promise.all(
      buyers.map(async (buyer) => {
        const link = await createLink(h, seller, { name: 'request-vs-pay', unitPriceMinor: 700, quantity: 1 });
        expect(
          (await post(buyer.token, `/api/orders/${link.paymentCode}/payment-requests`, { dynamicPassword: link.dynamicPassword })).body
            .outcome,
        ).toBe('payment_info');
        return { link, buyer };
      }),
    );
    // The request's screening asks LINE whether the buyer is a friend: make that slower than a
    // workflow task (10 s), so the task is heartbeated and the buyer's parameters and OTP get in
    // while the earlier-accepted request is still screening.
    h.line.state.setFaults({ profileDelayMs: 11_000 });
    try {
      await Promise.all(
        deals.map(async ({ link, buyer }) => {
          const request = post(buyer.token, `/api/orders/${link.paymentCode}/payment-requests`, { dynamicPassword: link.dynamicPassword });
          await new Promise((r) => setTimeout(r, 50)); // the request is in first
          const params = await post(buyer.token, `/api/orders/${link.paymentCode}/payment-parameters`, {
            paymentSource: { type: 'card', token: 'tok_visa' },
          });
          expect(params.body.outcome).toBe('otp_sent');
          const paid = await post(buyer.token, `/api/orders/${link.paymentCode}/otp`, { otp: lastMessage(h, buyer.userId, 'otp').otp });
          expect(paid.body.outcome).toBe('charging');
          expect([200, 409]).toContain((await request).status);
          // Whatever the request answered, the order must not have gone back to taking payment parameters.
          const again = await post(buyer.token, `/api/orders/${link.paymentCode}/payment-parameters`, {
            paymentSource: { type: 'card', token: 'tok_visa' },
          });
          expect(again.status).toBe(409);
          await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
          expect(chargesOf(link.paymentCode)).toHaveLength(1);
        }),
      );
    } finally {
      h.line.state.setFaults({ profileDelayMs: 0 });
    }
  });

  /** `count` deals in escrow; the decision deadline of each. */
  async function dealsInEscrow(count: number, name: string) {
    const deals = await dealsAwaitingOtp(count, name);
    await inBatches(deals, async ({ link, buyer, otp }) => {
      expect((await post(buyer.token, `/api/orders/${link.paymentCode}/otp`, { otp })).body.outcome).toBe('charging');
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
    });
    return deals;
  }

  const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
  const releases = async (code: string) => ((await h.ledger.lookupTransfer(releaseTransferId(code, 1))) ? 1 : 0);

  it(`a dispute vs the end of the decision window, ${TRIALS} trials: the answer the buyer got is what happens`, async () => {
    const deals = await dealsInEscrow(TRIALS, 'decision-vs-window');
    const seen = { disputed: 0, silent: 0 };
    await Promise.all(
      deals.map(async ({ link, buyer }, i) => {
        const view = (await h.client.workflow.getHandle(`order:${link.paymentCode}`).query('orderView')) as { decisionDeadlineMs: number };
        await sleepUntil(view.decisionDeadlineMs + ((i % 11) - 5) * 30); // from 150 ms before to 150 ms after
        const res = await post(buyer.token, `/api/orders/${link.paymentCode}/decision`, { decision: 'dispute', reason: 'late' });
        if (res.status === 200) {
          expect(res.body).toEqual({ outcome: 'disputed' });
          seen.disputed += 1;
          await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
          await new Promise((r) => setTimeout(r, 300));
          expect(await orderState(h, link.paymentCode)).toBe('disputed');
          expect(await releases(link.paymentCode)).toBe(0);
        } else {
          expect(res.status).toBe(409); // the window had closed (a finished order answers the same)
          seen.silent += 1;
          await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
          expect(await releases(link.paymentCode)).toBe(1);
        }
      }),
    );
    expect(seen.disputed + seen.silent).toBe(TRIALS);
  });

  it(`a resolution vs the dispute escalation, ${TRIALS} trials: one settlement, the agent's`, async () => {
    const deals = await dealsAwaitingOtp(TRIALS, 'resolution-vs-escalation');
    await inBatches(deals, async ({ link, buyer, otp }) => {
      expect((await post(buyer.token, `/api/orders/${link.paymentCode}/otp`, { otp })).body.outcome).toBe('charging');
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
      // Disputed at once, well inside the (short) decision window.
      expect((await post(buyer.token, `/api/orders/${link.paymentCode}/decision`, { decision: 'dispute', reason: 'x' })).body).toEqual({
        outcome: 'disputed',
      });
    });
    await Promise.all(
      deals.map(async ({ link, buyer }, i) => {
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
        const opened = (
          (await h.client.workflow.getHandle(`order:${link.paymentCode}`).query('orderView')) as { dispute: { openedAtMs: number } }
        ).dispute.openedAtMs;
        await sleepUntil(opened + 3000 + ((i % 11) - 5) * 30);
        const res = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
          resolution: 'split',
          sellerAmountMinor: 400,
          buyerAmountMinor: 300,
        });
        expect(res.body).toEqual({ outcome: 'resolving' });
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
        expect(await releases(link.paymentCode)).toBe(1);
        const refunds = [...h.payments.state.refunds.values()]
          .filter((r) => r.reference === link.paymentCode)
          .map((r) => r.refund.amountMinor);
        expect(refunds).toEqual([300]);
        expect(h.chat.kindsTo(buyer.userId).filter((k) => k === 'dispute_escalated').length).toBeLessThanOrEqual(1);
        expect(h.chat.kindsTo(buyer.userId).filter((k) => k === 'transaction_result')).toHaveLength(1);
      }),
    );
  });
});
