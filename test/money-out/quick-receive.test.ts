import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { quickReceiveWorkflowId } from '../../src/domain/ids';
import { dataConverterFromEnv } from '../../src/temporal/codec';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually, lastMessage } from '../support/deal-steps';
import { emulators, entryFor, historyBytes, quickReceive, registerAccount } from './steps';

describe('quick receive (S601–S607 buyer, S701–S707 seller) through the api, the worker and the verification center', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const codesOf = (userId: string) => h.knex('receiving_codes').where({ user_id: userId });

  it('asks for an account, verifies it with the center, stores it encrypted and issues a code (seller)', async () => {
    const seller = await h.newUser();
    const account = registerAccount(h);

    const asked = await h.call('POST', '/api/quick-receive', seller.token, { role: 'seller' });
    expect(asked.body).toEqual({ status: 'account_required' });

    const outcome = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    expect(outcome).toMatchObject({
      status: 'code',
      receivingCode: expect.stringMatching(/^RC[0-9A-Z]{26}$/),
      accountMasked: `***-****${account.accountNumber.slice(-4)}`,
    });
    expect(outcome.receivingCode).not.toContain(account.accountNumber.slice(-4));
    await eventually(async () => lastMessage(h, seller.userId, 'quick_receive_code') !== undefined);
    expect(lastMessage(h, seller.userId, 'quick_receive_code')).toEqual({
      kind: 'quick_receive_code',
      receivingCode: outcome.receivingCode,
      accountMasked: outcome.accountMasked,
    });

    const [stored] = await h.knex('bank_accounts').where({ user_id: seller.userId });
    expect(stored.account_ciphertext).toMatch(/^fe1\./);
    expect(JSON.stringify(stored)).not.toContain(account.accountNumber);
    expect(JSON.stringify(stored)).not.toContain(account.holderName);
    const codes = await codesOf(seller.userId);
    expect(codes).toEqual([expect.objectContaining({ code: outcome.receivingCode, role: 'seller', revoked_at: null })]);
  });

  it('answers at once with a code when the party already has a verified account, and keeps one live code per role (buyer)', async () => {
    const party = await h.newUser();
    const account = registerAccount(h);
    const first = await quickReceive(h, party, { role: 'seller', ...entryFor(account) });
    const verificationsBefore = emulators(h).bankCenter.state.verifications.size;

    const asBuyer = await h.call('POST', '/api/quick-receive', party.token, { role: 'buyer' });
    expect(asBuyer.body).toMatchObject({ status: 'code', accountMasked: first.accountMasked });
    expect(asBuyer.body.receivingCode).not.toBe(first.receivingCode);
    const again = await h.call('POST', '/api/quick-receive', party.token, { role: 'buyer' });
    expect(again.body.receivingCode).toBe(asBuyer.body.receivingCode);
    expect(emulators(h).bankCenter.state.verifications.size).toBe(verificationsBefore); // the center was not asked again
    const live = await codesOf(party.userId).whereNull('revoked_at').orderBy('role');
    expect(live.map((c) => c.role)).toEqual(['buyer', 'seller']);
  });

  it('fails on a wrong bank verification code with a clear reason, stores nothing and issues no code', async () => {
    const buyer = await h.newUser();
    const account = registerAccount(h);
    const outcome = await quickReceive(h, buyer, { role: 'buyer', ...entryFor(account, '000000') });
    expect(outcome).toMatchObject({
      status: 'failed',
      reasonCode: 'code_mismatch',
      reason: expect.stringContaining('verification code does not match'),
    });
    await eventually(async () => lastMessage(h, buyer.userId, 'quick_receive_failed') !== undefined);
    expect(lastMessage(h, buyer.userId, 'quick_receive_failed').reason).toContain('verification code does not match');
    expect(await h.knex('bank_accounts').where({ user_id: buyer.userId })).toEqual([]);
    expect(await codesOf(buyer.userId)).toEqual([]);
    expect(h.chat.kindsTo(buyer.userId)).not.toContain('quick_receive_code');

    // The same party may try again with the right code.
    const retried = await quickReceive(h, buyer, { role: 'buyer', ...entryFor(account) });
    expect(retried.status).toBe('code');
  });

  it('fails for an account the bank does not know', async () => {
    const buyer = await h.newUser();
    const outcome = await quickReceive(h, buyer, {
      role: 'buyer',
      bankCode: '700',
      accountNumber: '12345678901',
      holderName: 'Nobody',
      verificationCode: '123456',
    });
    expect(outcome).toMatchObject({ status: 'failed', reasonCode: 'account_not_found' });
    expect(await codesOf(buyer.userId)).toEqual([]);
  });

  it('refuses a watch-listed bank account before the center is asked, and audits the listing with the staff id', async () => {
    const seller = await h.newUser();
    const account = registerAccount(h);
    const listed = await h.call(
      'POST',
      '/api/support/watchlist',
      undefined,
      {
        keyType: 'bank_account',
        value: `${account.bankCode}-${account.accountNumber}`,
        reason: 'police fraud report 2024-117',
      },
      h.staff.headers.agent,
    );
    expect(listed.status).toBe(201);
    const audit = await h
      .knex('audit_log')
      .where({ subject: `watchlist_entry:${listed.body.id}` })
      .first();
    expect(audit).toMatchObject({ actor: 'support:agent-amy', action: 'watchlist.entry_added' });

    const outcome = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    expect(outcome).toMatchObject({ status: 'failed', reasonCode: 'watch_listed' });
    expect(await h.knex('bank_accounts').where({ user_id: seller.userId })).toEqual([]);
    expect(await codesOf(seller.userId)).toEqual([]);
    const asked = [...emulators(h).bankCenter.state.verifications.values()].filter(
      (v) => v.verification.reference === quickReceiveWorkflowId(seller.userId),
    );
    expect(asked).toEqual([]);

    // Removed from the list (with a reason, audited), the same account verifies.
    const removed = await h.call(
      'DELETE',
      `/api/support/watchlist/${listed.body.id}`,
      undefined,
      { reason: 'report withdrawn' },
      h.staff.headers.agent,
    );
    expect(removed.status).toBe(204);
    expect(
      await h
        .knex('audit_log')
        .where({ subject: `watchlist_entry:${listed.body.id}`, action: 'watchlist.entry_removed' })
        .first(),
    ).toMatchObject({ actor: 'support:agent-amy' });
    expect((await quickReceive(h, seller, { role: 'seller', ...entryFor(account) })).status).toBe('code');
  });

  it('lets the party revoke the code; a new request issues a new one from the stored account', async () => {
    const seller = await h.newUser();
    const account = registerAccount(h);
    const first = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    expect((await h.call('GET', '/api/quick-receive', seller.token)).body).toMatchObject({
      status: 'code',
      receivingCode: first.receivingCode,
    });

    const revoked = await h.call('POST', '/api/quick-receive/revoke', seller.token, {});
    expect(revoked.body).toEqual({ revoked: 1 });
    expect((await h.call('GET', '/api/quick-receive', seller.token)).body).toEqual({ status: 'none' });
    expect(
      await h
        .knex('audit_log')
        .where({ action: 'receiving_code.revoked', subject: `user:${seller.userId}` })
        .first(),
    ).toMatchObject({ actor: `user:${seller.userId}` });

    const again = await h.call('POST', '/api/quick-receive', seller.token, { role: 'seller' });
    expect(again.body).toMatchObject({ status: 'code', accountMasked: first.accountMasked });
    expect(again.body.receivingCode).not.toBe(first.receivingCode);
  });

  it('refuses incomplete account fields and callbacks with a bad signature', async () => {
    const party = await h.newUser();
    const partial = await h.call('POST', '/api/quick-receive', party.token, { role: 'seller', bankCode: '812' });
    expect(partial.status).toBe(422);
    const unsigned = await fetch(`${h.baseUrl}/webhooks/bankcenter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
  });

  it('keeps the account number out of the workflow history (read without the codec) and out of the logs', async () => {
    const seller = await h.newUser();
    const account = registerAccount(h, { holderName: 'Huang Shu Fen' });
    const captured: string[] = [];
    const capture =
      (original: (...args: any[]) => any) =>
      (...args: any[]) => {
        captured.push(
          args
            .map((a) =>
              typeof a === 'string' ? a : a instanceof Uint8Array ? Buffer.from(a).toString('utf8') : (JSON.stringify(a) ?? String(a)),
            )
            .join(' '),
        );
        return original(...args);
      };
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture(process.stdout.write.bind(process.stdout)) as any),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture(process.stderr.write.bind(process.stderr)) as any),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
        jest.spyOn(console, level).mockImplementation(capture(() => undefined)),
      ),
    ];
    let outcome: any;
    try {
      console.warn('log-capture-probe'); // proves the capture sees what is logged
      await quickReceive(h, seller, { role: 'seller', ...entryFor(account, '999999') }); // a failure, then a success
      outcome = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(outcome.status).toBe('code');

    // As the server stores it: fetched by a client without the codec.
    const plainClient = new Client({ connection: h.client.connection, namespace: h.settings.temporalNamespace });
    const history = await plainClient.workflow.getHandle(quickReceiveWorkflowId(seller.userId)).fetchHistory();
    const raw = historyBytes(history);
    // As an operator decoding in the Web UI sees it: every payload through the codec.
    const codec = dataConverterFromEnv(process.env).payloadCodecs[0];
    const decoded = historyBytes(await codec.decode(payloadsIn(history)));
    expect(decoded.includes(Buffer.from(outcome.accountMasked))).toBe(true); // the scan reads payloads: the mask is there
    expect(raw.includes(Buffer.from(outcome.accountMasked))).toBe(false); // the harness's codec sealed them on the server
    for (const secret of [account.accountNumber, `${account.bankCode}${account.accountNumber}`, account.holderName, account.expectedCode]) {
      expect(raw.includes(Buffer.from(secret))).toBe(false);
      expect(decoded.includes(Buffer.from(secret))).toBe(false);
    }
    const logs = captured.join('\n');
    expect(logs).toContain('log-capture-probe');
    expect(logs).not.toContain(account.accountNumber);
    expect(logs).not.toContain(account.holderName);
  });
});

/** Every payload object ({ metadata, data }) anywhere in a history. */
function payloadsIn(value: unknown, into: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const item of value) payloadsIn(item, into);
  else if (value && typeof value === 'object') {
    const candidate = value as Partial<Payload>;
    if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object')
      into.push(candidate as Payload);
    else for (const item of Object.values(value)) payloadsIn(item, into);
  }
  return into;
}
