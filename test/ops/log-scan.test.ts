import { normalisePhone } from '../../src/crypto';
import { setLogDestination, setLogLevel } from '../../src/observability/logger';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  bindPhone,
  createLink,
  eventually,
  lastMessage,
  payThroughOtp,
  smsCodeSentTo,
  uniquePhone,
} from '../support/deal-steps';
import { quickReceive, registerAccount, entryFor } from '../money-out/steps';

/**
 * Issue 13: a whole deal — wallets, a phone bound by texted code, a payment with an OTP, the
 * release, the seller's bank account verified and a payout — with every log line collected at
 * debug level (the api's request lines, the Temporal runtime's SDK, workflow and activity lines,
 * the inbox). Not one line may carry a phone, a code, a bank account, a token or a secret in clear.
 */
describe('logs of a whole deal', () => {
  const lines: string[] = [];
  let h: DealHarness;
  beforeAll(async () => {
    setLogLevel('debug');
    setLogDestination({ write: (line: string) => lines.push(line) });
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
    setLogDestination(undefined);
    setLogLevel('warn');
  });

  it('are JSON with levels and ids, and carry no personal data or secret in clear', async () => {
    const secrets: Array<{ what: string; value: string }> = [];
    const keep = (what: string, value: string | undefined) => {
      if (value) secrets.push({ what, value });
    };

    const seller = await h.newUser();
    keep('seller id token', seller.token);
    await activateWallet(h, seller);
    keep('seller wallet code', lastMessage(h, seller.userId, 'wallet_activation_request').verificationCode);
    const account = registerAccount(h);
    keep('bank account', account.accountNumber);
    keep('bank verification code', account.expectedCode);
    const receiving = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    expect(receiving.status).toBe('code');

    const buyer = await h.newUser();
    keep('buyer id token', buyer.token);
    await activateWallet(h, buyer);
    keep('buyer wallet code', lastMessage(h, buyer.userId, 'wallet_activation_request').verificationCode);
    const phone = uniquePhone();
    await bindPhone(h, buyer, phone);
    keep('phone', phone);
    keep('phone (E.164)', normalisePhone(phone));
    keep('phone (national digits)', normalisePhone(phone).replace('+886', ''));
    keep('phone code', await smsCodeSentTo(h, phone));

    const link = await createLink(h, seller, { name: 'Log-scan teapot', unitPriceMinor: 3200, quantity: 1 });
    keep('dynamic password', link.dynamicPassword);
    await payThroughOtp(h, buyer, link);
    keep('otp', lastMessage(h, buyer.userId, 'otp').otp);
    await eventually(async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.state === 'escrow');
    const decided = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' });
    expect(decided.status).toBe(200);
    await eventually(async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.state === 'completed');

    const payout = await h.call(
      'POST',
      '/api/payouts',
      seller.token,
      { amountMinor: 3200, currency: 'TWD' },
      { 'idempotency-key': 'log-scan-1' },
    );
    expect(payout.status).toBeLessThan(300);
    const payoutId: string = payout.body.payoutId;
    await eventually(async () => (await h.call('GET', `/api/payouts/${payoutId}`, seller.token)).body.state === 'paid');

    const s = h.settings;
    for (const [what, value] of Object.entries({
      LINK_SECRET: s.secrets.linkSecret,
      HASH_SECRET: s.secrets.hashSecret,
      LINE_CHANNEL_SECRET: s.line.channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: s.line.channelAccessToken,
      LINE_LOGIN_CHANNEL_SECRET: s.line.loginChannelSecret,
      PAYMENT_API_KEY: s.payments.apiKey,
      PAYMENT_WEBHOOK_SECRET: s.payments.webhookSecret,
      BANKCENTER_API_KEY: s.bankCenter.apiKey,
      BANKCENTER_WEBHOOK_SECRET: s.bankCenter.webhookSecret,
      PAYOUT_API_KEY: s.payouts.apiKey,
      PAYOUT_WEBHOOK_SECRET: s.payouts.webhookSecret,
      SMS_API_SECRET: s.sms.apiSecret,
      'staff token': h.staff.tokens.agent,
    }))
      keep(what, value);

    // Let the last activity and webhook lines arrive.
    await new Promise((r) => setTimeout(r, 300));
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(30);
    for (const entry of parsed) expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String) }));
    // Someone following this deal finds its requests by payment code and request id, its workflow by id, the payout by id.
    expect(parsed.some((e) => e.paymentCode === link.paymentCode && typeof e.requestId === 'string')).toBe(true);
    expect(parsed.some((e) => e.workflowId === `order:${link.paymentCode}`)).toBe(true);
    expect(parsed.some((e) => e.payoutId === payoutId)).toBe(true);

    const leaks: string[] = [];
    for (const { what, value } of secrets) {
      // A value standing alone: a 6-digit code inside a longer run of letters or digits is not that code.
      const pattern = new RegExp(`(?<![0-9A-Za-z])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`);
      const line = lines.find((l) => pattern.test(l));
      if (line) leaks.push(`${what}: ${line.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
