import type { Knex } from 'knex';
import type { OrderRow, UserRow, WalletRow } from '../../src/db/tables';
import { normalisePhone } from '../../src/crypto';
import type { DealHarness } from './deal-harness';

/** The steps people take, as small helpers the deal tests compose. */
export interface Party {
  userId: string;
  token: string;
}
export interface Link {
  paymentCode: string;
  dynamicPassword: string;
  transactionCode: string;
}

export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The last message of a kind the chat recorded for a user. */
export function lastMessage<K extends string>(h: DealHarness, userId: string, kind: K): any {
  const found = h.chat.messagesTo(userId).filter((m) => m.kind === kind);
  return found[found.length - 1];
}

/** S302–S308: request activation, read the code from the chat, answer it. */
/** A buyer ready to pay: wallet enabled, one phone bound. */
export async function readyBuyer(h: DealHarness): Promise<Party> {
  const buyer = await h.newUser();
  await activateWallet(h, buyer);
  await bindPhone(h, buyer);
  return buyer;
}

export async function activateWallet(h: DealHarness, party: Party): Promise<void> {
  const started = await h.call('POST', '/api/wallet/activation', party.token);
  if (started.status !== 202) throw new Error(`activation: ${started.status} ${JSON.stringify(started.body)}`);
  await eventually(async () => lastMessage(h, party.userId, 'wallet_activation_request') !== undefined);
  const code = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode;
  const res = await h.call('POST', '/api/wallet/verification', party.token, { code });
  if (res.body.outcome !== 'activated') throw new Error(`verification: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function createLink(h: DealHarness, seller: Party, product: Record<string, unknown>): Promise<Link> {
  const res = await h.call('POST', '/api/links', seller.token, product);
  if (res.status !== 201) throw new Error(`link: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A Taiwanese mobile number nobody else in the run uses (phone velocity rules count per number). */
export function uniquePhone(): string {
  return `09${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`;
}

/** S404–S405 as a person does it: ask for a code, read it off the phone (the SMS emulator), send it back. */
export async function bindPhone(h: DealHarness, buyer: Party, phone = uniquePhone()): Promise<void> {
  const started = await h.call('POST', '/api/phone-binding', buyer.token, { phone });
  if (started.status === 200 && started.body.status === 'already_bound') return;
  if (started.status !== 202) throw new Error(`phone: ${started.status} ${JSON.stringify(started.body)}`);
  const res = await h.call('POST', '/api/phone-binding/verification', buyer.token, { code: await smsCodeSentTo(h, phone) });
  if (res.status !== 201) throw new Error(`phone code: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The 6-digit code in the last text the SMS provider accepted for a number, read through the emulator's control route. */
export async function smsCodeSentTo(h: DealHarness, phone: string): Promise<string> {
  if (!h.sms) throw new Error('this harness runs no SMS emulator');
  const { apiKey, apiSecret } = h.settings.sms;
  const res = await fetch(`${h.sms.baseUrl}/__emulator/messages/last?to=${encodeURIComponent(normalisePhone(phone))}`, {
    headers: { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` },
  });
  const body = (await res.json()) as { text?: string };
  const code = /\b(\d{6})\b/.exec(body.text ?? '')?.[1];
  if (res.status !== 200 || code === undefined) throw new Error(`no code texted to ${phone}: ${res.status} ${JSON.stringify(body)}`);
  return code;
}

/** Test cards of the provider's hosted checkout (the emulator's contract): what each does. */
export const CARDS = { succeeds: '4242424242424242', declined: '4000000000000002', challenge: '4000000000003220' } as const;

/**
 * S101–S114 for a buyer with an active wallet and a bound phone: request, parameters (the hosted
 * checkout: nothing typed), OTP, then the card on the provider's page, posted as a browser does.
 */
export async function payThroughOtp(h: DealHarness, buyer: Party, link: Link, card: string = CARDS.succeeds): Promise<void> {
  const requested = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
    dynamicPassword: link.dynamicPassword,
  });
  if (requested.body.outcome !== 'payment_info') throw new Error(`request: ${requested.status} ${JSON.stringify(requested.body)}`);
  const params = await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, { method: 'card' });
  if (params.body.outcome !== 'otp_sent') throw new Error(`parameters: ${params.status} ${JSON.stringify(params.body)}`);
  const otp = lastMessage(h, buyer.userId, 'otp').otp;
  const verified = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, { otp });
  if (verified.body.outcome !== 'checkout') throw new Error(`otp: ${verified.status} ${JSON.stringify(verified.body)}`);
  await payByCard(verified.body.checkoutUrl, card);
}

/** The provider's hosted card form, posted as a browser posts it; answers where the provider sends the browser. */
export async function payByCard(checkoutUrl: string, cardNumber: string): Promise<{ status: number; location: string | null }> {
  const res = await fetch(`${checkoutUrl}/card`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ cardNumber, expiry: '12/34', cvc: '123' }).toString(),
  });
  await res.text();
  if (res.status >= 400) throw new Error(`hosted card form: ${res.status}`);
  return { status: res.status, location: res.headers.get('location') };
}

/** Money arriving at the order's ATM virtual account, as the emulated bank reports it (its control route). */
export async function transferToVirtualAccount(h: DealHarness, accountNumber: string, amountMinor: number) {
  const res = await fetch(`${h.payments.baseUrl}/__emulator/virtual-accounts/${accountNumber}/transfers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.settings.payments.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amountMinor }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * Buyers ready to pay, written straight into the tables (wallet active, one phone bound) so a
 * race test can field hundreds of them; everything after this goes through the real api.
 */
export async function fixtureReadyBuyers(
  h: DealHarness,
  count: number,
  namePrefix = 'buyer',
): Promise<Array<Party & { displayName: string }>> {
  const { encryptField, fieldKeyRingFromEnv, keyedHash, maskPhone } = await import('../../src/crypto');
  const ring = fieldKeyRingFromEnv(process.env);
  const buyers: Array<Party & { displayName: string }> = [];
  for (let i = 0; i < count; i++) {
    const party = await h.newUser();
    const displayName = `${namePrefix} ${i + 1}`;
    h.line.state.getUser(party.userId)!.displayName = displayName;
    const phone = uniquePhone();
    await h.knex('users').insert({ user_id: party.userId, display_name: displayName }).onConflict('user_id').merge(['display_name']);
    await h
      .knex('wallets')
      .insert({ user_id: party.userId, state: 'active', activated_at: new Date() })
      .onConflict('user_id')
      .merge(['state', 'activated_at']);
    await h.knex('phone_bindings').insert({
      user_id: party.userId,
      phone_hash: keyedHash(h.settings.secrets.hashSecret, phone),
      phone_ciphertext: encryptField(ring, phone),
      phone_masked: maskPhone(phone),
      is_virtual: false,
    });
    buyers.push({ ...party, displayName });
  }
  return buyers;
}

/** What LINE shows a user: the text of every bubble/text delivered to them (alt texts and texts). */
export function deliveredTexts(h: DealHarness, userId: string): string[] {
  return h.line.state.messagesTo(userId).map((m) => JSON.stringify(m.message));
}

/** The order's row in the read model; a test that reads one expects it to exist. */
export async function orderRow(h: { knex: Knex }, paymentCode: string): Promise<OrderRow> {
  const row = await h.knex('orders').where({ payment_code: paymentCode }).first();
  if (!row) throw new Error(`no orders row for ${paymentCode}`);
  return row;
}

/** A user's row; a test that reads one expects it to exist. */
export async function userRow(h: { knex: Knex }, userId: string): Promise<UserRow> {
  const row = await h.knex('users').where({ user_id: userId }).first();
  if (!row) throw new Error(`no users row for ${userId}`);
  return row;
}

/** A user's wallet row; a test that reads one expects it to exist. */
export async function walletRow(h: { knex: Knex }, userId: string): Promise<WalletRow> {
  const row = await h.knex('wallets').where({ user_id: userId }).first();
  if (!row) throw new Error(`no wallets row for ${userId}`);
  return row;
}

/** The order's state in the read model (what lists and the console show). */
export async function orderState(h: DealHarness, paymentCode: string): Promise<string | undefined> {
  return (await h.knex('orders').where({ payment_code: paymentCode }).first('state'))?.state;
}

/** A new buyer pays a new link of this seller; the deal waits in escrow for the buyer's decision. */
export async function dealInEscrow(h: DealHarness, seller: Party, product: Record<string, unknown>): Promise<{ link: Link; buyer: Party }> {
  const link = await createLink(h, seller, product);
  const buyer = await readyBuyer(h);
  await payThroughOtp(h, buyer, link);
  await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
  return { link, buyer };
}

/** The payment provider's signed callback, as the provider would send it (the test plays the provider). */
export async function sendPaymentEvent(
  h: DealHarness,
  event: { id: string; type: 'charge.succeeded' | 'charge.failed'; created: number; data: Record<string, unknown> },
) {
  const { signPayload } = await import('../../src/payment/signature');
  const raw = JSON.stringify(event);
  const res = await fetch(`${h.baseUrl}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signPayload(h.settings.payments.webhookSecret, raw) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}
