import { quickReceiveWorkflowId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { recordHistory } from '../support/histories';
import { emulators, entryFor, quickReceive, registerAccount } from './steps';

/**
 * A quick receive stays a while for retries and ends when idle (QUICK_RECEIVE_IDLE_MS, short
 * here); the next request starts a new run that answers from the stored account. This run's
 * whole life, from "account required" to its end, is the golden quick-receive history.
 */
describe('an idle quick receive ends, and the next request starts a new run', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness({ env: { QUICK_RECEIVE_IDLE_MS: '1500' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('account required, verified, code issued; the run ends with the code; a new request answers from the stored account', async () => {
    const seller = await h.newUser();
    const account = registerAccount(h);
    expect((await h.call('POST', '/api/quick-receive', seller.token, { role: 'seller' })).body).toEqual({ status: 'account_required' });
    const issued = await quickReceive(h, seller, { role: 'seller', ...entryFor(account) });
    expect(issued.status).toBe('code');

    const handle = h.client.workflow.getHandle(quickReceiveWorkflowId(seller.userId));
    expect(await handle.result()).toMatchObject({
      status: 'code',
      role: 'seller',
      receivingCode: issued.receivingCode,
      accountMasked: issued.accountMasked,
      attempts: 1,
    });
    const ended = await handle.describe();
    expect(ended.status.name).toBe('COMPLETED');
    await recordHistory(h, quickReceiveWorkflowId(seller.userId), 'verified-then-idle');

    const verificationsBefore = emulators(h).bankCenter.state.verifications.size;
    const again = await h.call('POST', '/api/quick-receive', seller.token, { role: 'seller' });
    expect(again.body).toMatchObject({ status: 'code', accountMasked: issued.accountMasked });
    expect((await handle.describe()).runId).not.toBe(ended.runId);
    expect(emulators(h).bankCenter.state.verifications.size).toBe(verificationsBefore); // the center was not asked again
  });
});
