import type { Knex } from 'knex';
import { ConfigError } from '../../src/config/env';
import { createKnex } from '../../src/db/knex';
import {
  checkAndRecordLimitEvent,
  checkLimits,
  DEFAULT_LIMIT_POLICY,
  limitPolicyFromEnv,
  recordLimitEvent,
  setAccountTier,
  type LimitEvent,
} from '../../src/limits';
import { uniqueId, testDatabaseUrl } from '../support/env';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const policy = DEFAULT_LIMIT_POLICY;

let knex: Knex;
beforeAll(() => {
  knex = createKnex(testDatabaseUrl(), 12);
});
afterAll(async () => {
  await knex.destroy();
});

/** A payment by `buyerId`, by default to a fresh seller so seller rules stay out of the way. */
function payment(buyerId: string, at: Date, amountMinor: number, extra: Partial<LimitEvent> = {}): LimitEvent {
  return { eventId: uniqueId('evt'), buyerId, sellerId: uniqueId('seller'), amountMinor, currency: 'TWD', at, ...extra };
}
const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);
async function record(...events: LimitEvent[]) {
  for (const event of events) await recordLimitEvent(knex, event);
}

describe('velocity rules', () => {
  const t0 = new Date('2030-03-20T04:00:00Z');

  it('refuses the 6th payment of a buyer within an hour, naming the rule, and allows it once the window slides', async () => {
    const buyer = uniqueId('buyer');
    const five = [0, 1, 2, 3, 4].map((i) => payment(buyer, plus(t0, i * MINUTE_MS), 100));
    await record(...five);
    const sixth = payment(buyer, plus(t0, 30 * MINUTE_MS), 100);
    const refused = await checkLimits(knex, sixth, policy);
    expect(refused).toEqual({
      ok: false,
      rule: 'buyer.payments_per_hour',
      detail: expect.stringMatching(/5 payments in the last 1 h; at most 5/),
    });
    // The first payment leaves the window one hour after it happened.
    expect(await checkLimits(knex, { ...sixth, at: plus(t0, HOUR_MS) }, policy)).toEqual({ ok: true });
    // A payment that is already recorded (a retry) is not counted against itself.
    expect(await checkLimits(knex, five[4], policy)).toEqual({ ok: true });
    expect(await checkLimits(knex, { ...five[4], eventId: undefined }, policy)).toMatchObject({ ok: false });
  });

  it('refuses a payment that takes the buyer past 100,000 TWD in 24 h', async () => {
    const buyer = uniqueId('buyer');
    await setAccountTier(knex, buyer, 'business', policy); // keep the monthly cap out of the way
    await record(payment(buyer, t0, 60_000), payment(buyer, plus(t0, 2 * HOUR_MS), 30_000));
    const at = plus(t0, 20 * HOUR_MS);
    expect(await checkLimits(knex, payment(buyer, at, 10_001), policy)).toEqual({
      ok: false,
      rule: 'buyer.amount_per_day',
      detail: expect.stringMatching(/TWD 100,001 in the last 24 h; at most TWD 100,000/),
    });
    expect(await checkLimits(knex, payment(buyer, at, 10_000), policy)).toEqual({ ok: true });
    expect(await checkLimits(knex, payment(buyer, plus(t0, 24 * HOUR_MS), 40_000), policy)).toEqual({ ok: true });
  });

  it('counts payments of one bound phone across buyers', async () => {
    const phoneHash = uniqueId('phonehash');
    await record(...[0, 1, 2, 3, 4].map((i) => payment(uniqueId('buyer'), plus(t0, i * MINUTE_MS), 100, { phoneHash })));
    const next = payment(uniqueId('buyer'), plus(t0, 10 * MINUTE_MS), 100, { phoneHash });
    expect(await checkLimits(knex, next, policy)).toMatchObject({ ok: false, rule: 'phone.payments_per_hour' });
    expect(await checkLimits(knex, { ...next, phoneHash: undefined }, policy)).toEqual({ ok: true });
  });

  it('refuses a seller past its hourly count', async () => {
    const seller = uniqueId('seller');
    await setAccountTier(knex, seller, 'business', policy);
    const max = policy.rules.find((r) => r.name === 'seller.payments_per_hour')!.max;
    await record(...Array.from({ length: max }, (_, i) => payment(uniqueId('buyer'), plus(t0, i * 1000), 10, { sellerId: seller })));
    expect(await checkLimits(knex, payment(uniqueId('buyer'), plus(t0, 30 * MINUTE_MS), 10, { sellerId: seller }), policy)).toMatchObject({
      ok: false,
      rule: 'seller.payments_per_hour',
    });
  });

  it('counts payments in other currencies but does not add their amounts', async () => {
    const buyer = uniqueId('buyer');
    await record(payment(buyer, t0, 99_000, { currency: 'USD' }));
    expect(
      await checkLimits(knex, payment(buyer, plus(t0, MINUTE_MS), 20_000), {
        ...policy,
        tiers: { basic: { monthlySpendMinor: 1e9, monthlyReceiveMinor: 1e9 } },
      }),
    ).toEqual({ ok: true });
  });
});

describe('recording', () => {
  it('is idempotent by event id', async () => {
    const event = payment(uniqueId('buyer'), new Date('2030-04-01T00:00:00Z'), 500);
    expect(await recordLimitEvent(knex, event)).toEqual({ recorded: true });
    expect(await recordLimitEvent(knex, event)).toEqual({ recorded: false });
    expect(await knex('limit_events').where({ buyer_id: event.buyerId }).count<{ count: string }[]>('* as count')).toEqual([
      { count: '1' },
    ]);
  });

  it('checks and records atomically: 10 concurrent payments of one buyer, exactly 5 pass', async () => {
    const buyer = uniqueId('buyer');
    const at = new Date('2030-04-02T00:00:00Z');
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => checkAndRecordLimitEvent(knex, payment(buyer, plus(at, i), 100), policy)),
    );
    expect(decisions.filter((d) => d.ok)).toHaveLength(5);
    expect(decisions.filter((d) => !d.ok).map((d) => (d as { rule: string }).rule)).toEqual(Array(5).fill('buyer.payments_per_hour'));
    expect(await knex('limit_events').where({ buyer_id: buyer }).count<{ count: string }[]>('* as count')).toEqual([{ count: '5' }]);
  });
});

describe('tiers', () => {
  // 2030-03-01 00:00 in Taiwan is 2030-02-28T16:00Z.
  const marchStartTaipei = new Date('2030-02-28T16:00:00Z');
  const midMarch = new Date('2030-03-20T04:00:00Z');

  it('caps a basic buyer per calendar month in Taiwan time, and a higher tier lifts the cap', async () => {
    const buyer = uniqueId('buyer');
    await record(
      payment(buyer, plus(marchStartTaipei, -MINUTE_MS), 25_000), // 23:59 on 28 Feb in Taipei: last month
      payment(buyer, plus(marchStartTaipei, 30 * MINUTE_MS), 10_000),
      payment(buyer, new Date('2030-03-10T00:00:00Z'), 10_000),
    );
    expect(await checkLimits(knex, payment(buyer, midMarch, 10_000), policy)).toEqual({ ok: true });
    expect(await checkLimits(knex, payment(buyer, midMarch, 10_001), policy)).toEqual({
      ok: false,
      rule: 'tier.basic.buyer_monthly',
      detail: expect.stringMatching(/at most TWD 30,000 a month; this payment would make TWD 30,001/),
    });
    await setAccountTier(knex, buyer, 'verified', policy);
    expect(await checkLimits(knex, payment(buyer, midMarch, 10_001), policy)).toEqual({ ok: true });
    // Next month starts afresh (back on basic: March's 30,000 would otherwise refuse this).
    await setAccountTier(knex, buyer, 'basic', policy);
    expect(await checkLimits(knex, payment(buyer, new Date('2030-04-05T00:00:00Z'), 30_000), policy)).toEqual({ ok: true });
  });

  it('caps what a seller receives per month by its own tier', async () => {
    const seller = uniqueId('seller');
    await record(
      payment(uniqueId('buyer'), new Date('2030-03-02T00:00:00Z'), 20_000, { sellerId: seller }),
      payment(uniqueId('buyer'), new Date('2030-03-05T00:00:00Z'), 20_000, { sellerId: seller }),
      payment(uniqueId('buyer'), new Date('2030-03-08T00:00:00Z'), 20_000, { sellerId: seller }),
      payment(uniqueId('buyer'), new Date('2030-03-12T00:00:00Z'), 20_000, { sellerId: seller }),
    );
    expect(await checkLimits(knex, payment(uniqueId('buyer'), midMarch, 20_001, { sellerId: seller }), policy)).toMatchObject({
      ok: false,
      rule: 'tier.basic.seller_monthly',
    });
    expect(await checkLimits(knex, payment(uniqueId('buyer'), midMarch, 20_000, { sellerId: seller }), policy)).toEqual({ ok: true });
  });

  it('refuses unknown tiers', async () => {
    await expect(setAccountTier(knex, uniqueId('user'), 'platinum', policy)).rejects.toThrow(/unknown tier/);
  });
});

describe('policy configuration', () => {
  it('defaults, reads LIMIT_POLICY as JSON, and names the variable when it is wrong', () => {
    expect(limitPolicyFromEnv({})).toBe(DEFAULT_LIMIT_POLICY);
    const custom = {
      ...DEFAULT_LIMIT_POLICY,
      rules: [{ name: 'buyer.payments_per_minute', subject: 'buyer', windowMs: MINUTE_MS, measure: 'count', max: 1 }],
    };
    expect(limitPolicyFromEnv({ LIMIT_POLICY: JSON.stringify(custom) }).rules[0].name).toBe('buyer.payments_per_minute');
    expect(() => limitPolicyFromEnv({ LIMIT_POLICY: '{' })).toThrow(ConfigError);
    expect(() => limitPolicyFromEnv({ LIMIT_POLICY: JSON.stringify({ ...custom, defaultTier: 'gold' }) })).toThrow(
      /LIMIT_POLICY.*defaultTier/,
    );
  });
});
