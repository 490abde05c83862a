import { walletActivationWorkflowId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually, lastMessage, walletRow } from '../support/deal-steps';
import { recordHistory } from '../support/histories';

/** Support ends a wallet lockout early (S309); the lockout here is ten minutes, so only the unlock can end it. */
describe('support unlocks a locked-out wallet', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness({ env: { WALLET_LOCKOUT_MS: '600000' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('three wrong codes lock the wallet; a viewer may not unlock; an agent does, audited; the new code activates', async () => {
    const party = await h.newUser();
    await h.call('POST', '/api/wallet/activation', party.token);
    await eventually(async () => lastMessage(h, party.userId, 'wallet_activation_request') !== undefined);
    const first = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode as string;
    const wrong = first === '000000' ? '111111' : '000000';
    const answer = (code: string) => h.call('POST', '/api/wallet/verification', party.token, { code });
    await answer(wrong);
    await answer(wrong);
    expect((await answer(wrong)).body.outcome).toBe('locked');
    expect((await walletRow(h, party.userId)).state).toBe('locked');
    const unlockPath = `/api/support/users/${party.userId}/wallet/unlock`;

    const byViewer = await h.call('POST', unlockPath, undefined, {}, h.staff.headers.viewer);
    expect(byViewer.status).toBe(403);
    expect((await answer(first)).status).toBe(423); // still locked

    const unlocked = await h.call('POST', unlockPath, undefined, {}, h.staff.headers.agent);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toEqual({ state: 'awaiting_verification', attemptsLeft: 3, lockouts: 1 });
    expect(
      await h
        .knex('audit_log')
        .where({ subject: `user:${party.userId}`, action: 'wallet.unlocked' })
        .select('actor'),
    ).toEqual([{ actor: 'support:agent-amy' }]);
    const again = await h.call('POST', unlockPath, undefined, {}, h.staff.headers.agent);
    expect(again.status).toBe(409);

    // A new round: a new code goes out, and the right answer enables the wallet.
    await eventually(async () => h.chat.messagesTo(party.userId).filter((m) => m.kind === 'wallet_activation_request').length === 2);
    const code = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode as string;
    expect((await answer(code)).body).toEqual({ outcome: 'activated' });
    expect((await walletRow(h, party.userId)).state).toBe('active');
    await recordHistory(h, walletActivationWorkflowId(party.userId), 'unlocked-by-support');
  });

  it('refuses to unlock a wallet that is not locked', async () => {
    const party = await h.newUser();
    const none = await h.call('POST', `/api/support/users/${party.userId}/wallet/unlock`, undefined, {}, h.staff.headers.agent);
    expect(none.status).toBe(404);
    await h.call('POST', '/api/wallet/activation', party.token);
    await eventually(async () => (await h.knex('wallets').where({ user_id: party.userId }).first()) !== undefined);
    const notLocked = await h.call('POST', `/api/support/users/${party.userId}/wallet/unlock`, undefined, {}, h.staff.headers.agent);
    expect(notLocked.status).toBe(409);
  });
});
