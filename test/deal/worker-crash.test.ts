import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { escrowAccountId, walletAccountId } from '../../src/domain/ids';
import { EMULATOR_DEFAULTS } from '../../src/emulators/line';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { bindPhone, createLink, eventually, type Link, type Party, orderRow } from '../support/deal-steps';
import { testDatabaseUrl, testTemporalAddress } from '../support/env';
import { freePort } from '../../src/runtime/ports';

/**
 * Worker processes killed (SIGKILL) in the middle of deals and started again: every deal
 * finishes exactly once — one charge each at the provider, the ledger balanced, no message
 * delivered twice. The worker here is the real `worker/main.ts` process, talking to the LINE
 * and payment emulators through their base URLs.
 */
const DEALS = 6;

describe('worker crash in the middle of deals', () => {
  let h: DealHarness;
  let worker: ChildProcess | undefined;

  const startWorker = async () => {
    const env = {
      ...process.env,
      DATABASE_URL: testDatabaseUrl(),
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TASK_QUEUE: h.settings.taskQueue,
      PUBLIC_BASE_URL: h.baseUrl,
      LINE_API_BASE_URL: h.line.baseUrl,
      LINE_CHANNEL_ACCESS_TOKEN: EMULATOR_DEFAULTS.channelAccessToken,
      PAYMENT_BASE_URL: h.settings.payments.baseUrl,
      PAYMENT_API_KEY: h.settings.payments.apiKey,
      PAYMENT_WEBHOOK_SECRET: h.settings.payments.webhookSecret,
      DECISION_WINDOW_MS: '600000',
      // Its own probe port, and no SDK exporter: another worker may hold the default ports.
      WORKER_HTTP_PORT: String(await freePort()),
      TEMPORAL_METRICS_BIND_ADDRESS: 'off',
    };
    // The worker process itself (node with tsx as a loader), so SIGKILL hits the process that runs the worker.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'worker', 'main.ts')], {
      cwd: path.join(__dirname, '..', '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    // Ready when its /readyz says so (it answers 503 "starting" until the worker polls).
    const readyz = `http://127.0.0.1:${env.WORKER_HTTP_PORT}/readyz`;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}): ${out}`);
        return (await fetch(readyz).catch(() => undefined))?.status === 200;
      },
      120_000,
      200,
    );
    return child;
  };
  const kill = async (child: ChildProcess) => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };

  beforeAll(async () => {
    h = await startDealHarness({ inProcessWorker: false });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) await kill(worker);
    await h?.close();
  });

  const activeWallet = async (party: Party) => {
    await h.knex('users').insert({ user_id: party.userId }).onConflict('user_id').ignore();
    await h.knex('wallets').insert({ user_id: party.userId, state: 'active' }).onConflict('user_id').merge(['state']);
  };
  const otpFor = (userId: string): string => {
    const texts = h.line.state.messagesTo(userId).map((m) => String((m.message as { text?: string }).text ?? ''));
    const codes = texts.map((t) => /\b(\d{6})\b/.exec(t)?.[1]).filter((c): c is string => c !== undefined);
    return codes[codes.length - 1];
  };
  const state = async (code: string) => (await orderRow(h, code)).state;

  it('finishes every deal once across two SIGKILLed workers', async () => {
    worker = await startWorker();
    const seller = await h.newUser();
    await activeWallet(seller);
    const deals: Array<{ buyer: Party; link: Link }> = [];
    for (let i = 0; i < DEALS; i += 1) {
      const buyer = await h.newUser();
      await activeWallet(buyer);
      await bindPhone(h, buyer);
      deals.push({ buyer, link: await createLink(h, seller, { name: `Item ${i}`, unitPriceMinor: 1000 + i, quantity: 1 }) });
    }
    const pay = async ({ buyer, link }: { buyer: Party; link: Link }) => {
      const r = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
        dynamicPassword: link.dynamicPassword,
      });
      expect(r.body.outcome).toBe('payment_info');
      await h.call(
        'POST',
        `/api/orders/${link.paymentCode}/payment-parameters`,
        buyer.token,
        { paymentSource: { type: 'card', token: 'tok_visa' } },
        { 'idempotency-key': `params-${link.paymentCode}` },
      );
      await eventually(async () => otpFor(buyer.userId) !== undefined);
      await h.call(
        'POST',
        `/api/orders/${link.paymentCode}/otp`,
        buyer.token,
        { otp: otpFor(buyer.userId) },
        { 'idempotency-key': `otp-${link.paymentCode}` },
      );
    };

    await Promise.all(deals.slice(0, DEALS / 2).map(pay));
    await kill(worker); // in the middle: charges in flight, webhooks arriving with no worker
    worker = await startWorker();
    await Promise.all(deals.slice(DEALS / 2).map(pay));
    for (const { link } of deals) await eventually(async () => (await state(link.paymentCode)) === 'escrow', 60_000);

    await Promise.all(
      deals.map(({ buyer, link }) =>
        h.call(
          'POST',
          `/api/orders/${link.paymentCode}/decision`,
          buyer.token,
          { decision: 'agree' },
          { 'idempotency-key': `agree-${link.paymentCode}` },
        ),
      ),
    );
    await kill(worker);
    worker = await startWorker();
    for (const { link } of deals) await eventually(async () => (await state(link.paymentCode)) === 'completed', 60_000);

    const expected = deals.reduce((sum, _d, i) => sum + 1000 + i, 0);
    const wallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(wallet.creditsPostedMinor - wallet.debitsPostedMinor).toBe(expected);
    for (const { buyer, link } of deals) {
      const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
      expect([escrow.creditsPostedMinor, escrow.debitsPostedMinor]).toEqual([escrow.creditsPostedMinor, escrow.creditsPostedMinor]);
      const charges = [...h.payments.state.charges.values()].filter(
        (c) => c.charge.reference === link.paymentCode && c.charge.status === 'succeeded',
      );
      expect(charges).toHaveLength(1);
      const delivered = h.line.state.messagesTo(buyer.userId).map((m) => JSON.stringify(m.message));
      expect(new Set(delivered).size).toBe(delivered.length); // nothing said twice
    }
    const totals = await h.ledger.totalsByCurrency();
    expect(totals.TWD.netPostedMinor).toBe(0);
  }, 300_000);
});
