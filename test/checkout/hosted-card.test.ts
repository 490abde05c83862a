import {
  PaymentRefused,
  checkoutIdempotencyKey,
  checkoutSessionInput,
  openOrderCheckout,
  type OrderCheckoutInput,
} from '../../src/payment';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { openJournaledCheckout } from '../../src/payment/checkout-journal';
import { testDatabaseUrl } from '../support/env';
import { rejectionOf, sleep } from '../emulators/helpers';
import { newPaymentCode, orderInput as fixtureOrder, startCheckoutFixture, type CheckoutFixture } from './fixture';

/**
 * The hosted card page over plain HTTP, as a browser posts it (the Chromium walk-through is in
 * hosted-card.browser.test.ts): sessions opened by our client, outcomes read from the callbacks
 * through our own parser.
 */
const QUIET_PERIOD_MS = 200;

let f: CheckoutFixture;
let knex: Knex;
beforeAll(() => {
  knex = createKnex(testDatabaseUrl(), 2);
});
afterAll(async () => {
  await knex.destroy();
});
beforeEach(async () => {
  f = await startCheckoutFixture();
});
afterEach(async () => {
  await f.close();
});

const orderInput = (overrides: Partial<OrderCheckoutInput> = {}) => fixtureOrder(f, overrides);

async function postForm(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const card = (cardNumber: string) => ({ cardNumber, expiry: '12/34', cvc: '123' });

describe('opening a checkout session', () => {
  it('answers the hosted page and, for NT$, the virtual account the provider issued; the same key gives the same session', async () => {
    const input = orderInput();
    const first = await openOrderCheckout(f.provider, input);
    const again = await openOrderCheckout(f.provider, input);

    expect(first.sessionId).toMatch(/^cs_/);
    expect(first.checkoutUrl).toBe(`${f.emulator.baseUrl}/checkout/${first.sessionId}`);
    expect(first.virtualAccount).toEqual({
      bankCode: expect.stringMatching(/^\d{3}$/),
      accountNumber: expect.stringMatching(/^\d{14}$/),
      amountMinor: 900,
      currency: 'TWD',
      expiresAtMs: Math.floor(input.paymentDeadlineMs / 1000) * 1000,
    });
    expect(again).toEqual(first);
    expect(f.emulator.state.sessions.size).toBe(1);
  });

  it('a step re-run by a lost workflow task on a later clock gets the same session: the first body is journalled in PostgreSQL', async () => {
    // The worker died after the provider accepted the first call; the re-run task's clock is a
    // minute later. Without the journal the provider refuses the key with another body and a second
    // session (another ATM account, another deadline) would reach the buyer as second payment info.
    const input = orderInput();
    const first = await openJournaledCheckout(knex, f.provider, input);
    const later = { ...input, openedAtMs: input.openedAtMs + 61_000, paymentDeadlineMs: input.paymentDeadlineMs + 61_000 };
    const rerun = await openJournaledCheckout(knex, f.provider, later);
    expect(rerun).toEqual(first);
    expect(f.emulator.state.sessions.size).toBe(1);
    // The next attempt (a new key) opens its own session on its own clock.
    const next = await openJournaledCheckout(knex, f.provider, { ...later, attempt: 2 });
    expect(next.sessionId).not.toBe(first.sessionId);
    expect(next.expiresAtMs).toBe(Math.floor(later.paymentDeadlineMs / 1000) * 1000);
  });

  it('a step begun before the journal, re-run on a later clock, is opened again under a key naming its body', async () => {
    const input = orderInput();
    const first = await openOrderCheckout(f.provider, input);
    const later = { ...input, openedAtMs: input.openedAtMs + 61_000, paymentDeadlineMs: input.paymentDeadlineMs + 61_000 };
    const rerun = await openJournaledCheckout(knex, f.provider, later);
    expect(rerun.sessionId).not.toBe(first.sessionId);
    expect(rerun.expiresAtMs).toBe(Math.floor(later.paymentDeadlineMs / 1000) * 1000);
    // And that re-run, retried itself, finds its own session again.
    expect(await openJournaledCheckout(knex, f.provider, later)).toEqual(rerun);
  });

  it('offers only the card for currencies ATMs do not take', async () => {
    const opened = await openOrderCheckout(f.provider, orderInput({ currency: 'USD', amountMinor: 1999 }));
    expect(opened.virtualAccount).toBeUndefined();
    expect((await f.provider.getCheckoutSession(opened.sessionId)).paymentMethods).toEqual(['card']);
  });

  it('is refused with 422 when ATM is asked for in another currency, and 400 for a deadline too close; nothing is created', async () => {
    const base = {
      amountMinor: 1999,
      currency: 'USD' as const,
      reference: newPaymentCode(),
      description: 'cup',
      returnUrl: `${f.publicBaseUrl}/r`,
      callbackUrl: `${f.publicBaseUrl}/webhooks/payments`,
    };
    const atm = await rejectionOf(
      f.provider.createCheckoutSession({ ...base, paymentMethods: ['card', 'atm'], expiresAt: Math.floor(Date.now() / 1000) + 3600 }, 'k1'),
    );
    expect(atm).toBeInstanceOf(PaymentRefused);
    expect(atm).toMatchObject({ status: 422, code: 'payment-method-unavailable' });

    const soon = await rejectionOf(
      f.provider.createCheckoutSession({ ...base, paymentMethods: ['card'], expiresAt: Math.floor(Date.now() / 1000) + 5 }, 'k2'),
    );
    expect(soon).toMatchObject({ status: 400, code: 'validation-error' });
    expect(f.emulator.state.sessions.size).toBe(0);

    // The refusal was not stored under the key: the corrected request goes through with it.
    const fixed = await f.provider.createCheckoutSession(
      { ...base, paymentMethods: ['card'], expiresAt: Math.floor(Date.now() / 1000) + 3600 },
      'k2',
    );
    expect(fixed.status).toBe('open');
  });

  it('stretches a deadline closer than the provider allows to its minimum, deterministically', async () => {
    const openedAtMs = Date.now();
    const opened = await openOrderCheckout(f.provider, orderInput({ openedAtMs, paymentDeadlineMs: openedAtMs + 5_000 }));
    // The provider's minimum (60 s) plus our slack for a clock given to the minute below and the request's time (120 s).
    expect(opened.expiresAtMs).toBe((Math.floor(openedAtMs / 1000) + 60 + 120) * 1000);
  });

  it('a product name longer than the provider takes is cut to its limit, never inside a character', async () => {
    const opened = await openOrderCheckout(f.provider, orderInput({ description: '🍵'.repeat(150) }));
    const description = f.emulator.state.sessions.get(opened.sessionId)!.session.description;
    expect(description).toBe('🍵'.repeat(100));
  });

  it('a reused key with another body is refused (409), as for charges', async () => {
    const input = orderInput();
    await openOrderCheckout(f.provider, input);
    // The provider's rule, asked directly (openOrderCheckout re-opens the step under a key naming its body).
    const key = checkoutIdempotencyKey(input.paymentCode, input.attempt);
    const error = await rejectionOf(f.provider.createCheckoutSession(checkoutSessionInput({ ...input, amountMinor: 901 }), key));
    expect(error).toMatchObject({ status: 409, code: 'idempotency-key-reuse' });
    expect(checkoutIdempotencyKey(input.paymentCode, 1)).toBe(`${input.paymentCode}:checkout:1`);
  });
});

describe('paying on the hosted card page', () => {
  it('a good card goes back to our return URL with the session id; charge.succeeded follows, signed, with the session', async () => {
    const input = orderInput();
    const opened = await openOrderCheckout(f.provider, input);
    const page = await fetch(opened.checkoutUrl); // no credentials: the session id is the capability
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(opened.virtualAccount!.accountNumber);

    const paid = await postForm(`${opened.checkoutUrl}/card`, card('4242 4242 4242 4242'));
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`${f.publicBaseUrl}/pages/pay/${input.paymentCode}/return?session_id=${opened.sessionId}`);

    const event = await f.event(1);
    expect(event).toMatchObject({
      type: 'charge.succeeded',
      data: { reference: input.paymentCode, amountMinor: 900, currency: 'TWD', checkoutSessionId: opened.sessionId },
    });
    const session = await f.provider.getCheckoutSession(opened.sessionId);
    expect(session).toMatchObject({ status: 'complete', chargeId: event.data.chargeId });
    expect(session.virtualAccount?.status).toBe('closed');
    expect(await f.provider.getCharge(event.data.chargeId)).toMatchObject({
      status: 'succeeded',
      paymentSourceType: 'card',
      checkoutSessionId: opened.sessionId,
    });
  });

  it.each([
    ['4000 0000 0000 0002', 'card_declined'],
    ['4000 0000 0000 9995', 'insufficient_funds'],
  ])('%s fails the session with %s: the page says so and links back; charge.failed follows', async (number, failureCode) => {
    const input = orderInput();
    const opened = await openOrderCheckout(f.provider, input);
    const paid = await postForm(`${opened.checkoutUrl}/card`, card(number));
    expect(paid.status).toBe(200);
    expect(paid.html).toMatch(/付款未成功/);
    expect(paid.html).toContain(`/pages/pay/${input.paymentCode}/return?session_id=${opened.sessionId}`);

    const event = await f.event(1);
    expect(event).toMatchObject({ type: 'charge.failed', data: { failureCode, amountMinor: 900, checkoutSessionId: opened.sessionId } });
    expect((await f.provider.getCheckoutSession(opened.sessionId)).status).toBe('failed');

    // One session, one outcome: a second card is not charged.
    const second = await postForm(`${opened.checkoutUrl}/card`, card('4242424242424242'));
    expect(second.status).toBe(409);
    await sleep(QUIET_PERIOD_MS);
    expect(f.emulator.state.charges.size).toBe(1);
    expect(f.events()).toHaveLength(1);
  });

  it("a card that asks for the challenge shows the issuer's one-time code; a wrong code is counted, the right one pays", async () => {
    const input = orderInput();
    const opened = await openOrderCheckout(f.provider, input);
    const paid = await postForm(`${opened.checkoutUrl}/card`, card('4000000000003220'));
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`/checkout/${opened.sessionId}/challenge`);

    const challenge = await (await fetch(`${opened.checkoutUrl}/challenge`)).text();
    const code = /id="one-time-code">(\d{6})</.exec(challenge)?.[1];
    expect(code).toBeDefined();
    const wrong = await postForm(`${opened.checkoutUrl}/challenge`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toMatch(/還可以再試 2 次/);
    expect(f.emulator.state.charges.size).toBe(0);

    const right = await postForm(`${opened.checkoutUrl}/challenge`, { code: code! });
    expect(right.status).toBe(303);
    expect(right.location).toBe(`${f.publicBaseUrl}/pages/pay/${input.paymentCode}/return?session_id=${opened.sessionId}`);
    expect(await f.event(1)).toMatchObject({ type: 'charge.succeeded', data: { amountMinor: 900, checkoutSessionId: opened.sessionId } });
  });

  it('three wrong one-time codes fail the session with authentication_failed', async () => {
    const opened = await openOrderCheckout(f.provider, orderInput());
    await postForm(`${opened.checkoutUrl}/card`, card('4000000000003220'));
    const code = /id="one-time-code">(\d{6})</.exec(await (await fetch(`${opened.checkoutUrl}/challenge`)).text())![1]!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    await postForm(`${opened.checkoutUrl}/challenge`, { code: wrongCode });
    await postForm(`${opened.checkoutUrl}/challenge`, { code: wrongCode });
    const last = await postForm(`${opened.checkoutUrl}/challenge`, { code: wrongCode });
    expect(last.status).toBe(200);
    expect(last.html).toMatch(/付款未成功/);
    expect(await f.event(1)).toMatchObject({ type: 'charge.failed', data: { failureCode: 'authentication_failed' } });
    // The right code after that changes nothing.
    expect((await postForm(`${opened.checkoutUrl}/challenge`, { code })).status).toBe(409);
  });

  it('a number that is not a test card, a past expiry or a short security code is answered on the form; nothing is charged', async () => {
    const opened = await openOrderCheckout(f.provider, orderInput({ language: 'en' }));
    const answer = await postForm(`${opened.checkoutUrl}/card`, { cardNumber: '4111 1111 1111 1111', expiry: '01/20', cvc: '12' });
    expect(answer.status).toBe(422);
    expect(answer.html).toContain('Use one of the test cards below.');
    expect(answer.html).toContain('Enter an expiry that has not passed');
    expect(answer.html).toContain('The security code is 3 or 4 digits.');
    expect(answer.html).toContain('aria-invalid="true"');
    expect(f.emulator.state.charges.size).toBe(0);
    expect((await f.provider.getCheckoutSession(opened.sessionId)).status).toBe('open');
  });

  it('an unknown session is a 404 page; the API routes still need the key', async () => {
    expect((await fetch(`${f.emulator.baseUrl}/checkout/cs_nope`)).status).toBe(404);
    expect((await fetch(`${f.emulator.baseUrl}/v1/checkout/sessions/cs_nope`)).status).toBe(401);
  });
});
