import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createKnex } from '../../src/db/knex';
import { EMULATOR_DEFAULTS, newUserId, startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';
import { createLineAdapter } from '../../src/line/adapter';
import { failureKind, describeFailure } from '../../src/line/webhook/failure';
import { orderWorkflowId } from '../../src/domain/ids';
import { decideUpdate } from '../../workflows/order-messages';
import { freePort } from '../../src/runtime/ports';
import { testDatabaseUrl, testTemporalAddress } from '../support/env';

/**
 * What the inbox retries for as long as an event matters (transport) and what it gives up on
 * after a few tries (the event's own failure), shown with errors thrown by the real parts:
 * a Temporal client and a PostgreSQL pool pointed at a closed port, the LINE adapter against
 * the emulator failing or refusing, and the real Temporal server refusing the request itself.
 */
async function thrownBy(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('inbox failure kinds, from real errors', () => {
  let line: RunningLineEmulator;
  beforeAll(async () => {
    line = await startLineEmulator({});
  });
  afterAll(async () => {
    await line.close();
  });

  it("Temporal unreachable is transport; Temporal refusing the request is the event's", async () => {
    const closed = await freePort();
    const connection = Connection.lazy({
      address: `127.0.0.1:${closed}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    const down = await thrownBy(() =>
      new Client({ connection }).workflow
        .getHandle(orderWorkflowId('0'.repeat(26)))
        .executeUpdate(decideUpdate, { args: [{ buyerId: newUserId(), decision: 'dispute' }], updateId: 'x' }),
    );
    expect(failureKind(down)).toBe('transport');
    expect(describeFailure(down)).toMatch(/UNAVAILABLE/);
    await connection.close();

    const up = await Connection.connect({ address: testTemporalAddress() });
    try {
      // A request the server refuses on its merits (no such namespace), not for its health.
      const refused = await thrownBy(() => up.workflowService.describeNamespace({ namespace: '' }));
      expect(failureKind(refused)).toBe('event');
    } finally {
      await up.close();
    }
  });

  it("PostgreSQL unreachable is transport; a statement PostgreSQL refuses is the event's", async () => {
    const closed = await freePort();
    const down = createKnex(`postgres://postgres@127.0.0.1:${closed}/none`, 1);
    try {
      expect(failureKind(await thrownBy(() => down.raw('select 1')))).toBe('transport');
    } finally {
      await down.destroy();
    }
    const knex = createKnex(testDatabaseUrl(), 1);
    try {
      expect(failureKind(await thrownBy(() => knex.raw('select 1/0')))).toBe('event');
    } finally {
      await knex.destroy();
    }
  });

  it("LINE failing until the adapter gives up is transport; LINE refusing the message is the event's", async () => {
    const adapter = createLineAdapter({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      apiBaseUrl: line.baseUrl,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const user = newUserId();
    line.state.addUser({ userId: user, displayName: 'u' });
    line.state.setFaults({ failNext: 2, status: 503 });
    expect(failureKind(await thrownBy(() => adapter.push(user, [{ type: 'text', text: 'hi' }], crypto.randomUUID())))).toBe('transport');
    // An id LINE never issued: 400, whatever we try.
    expect(failureKind(await thrownBy(() => adapter.push(newUserId(), [{ type: 'text', text: 'hi' }], crypto.randomUUID())))).toBe('event');
    // Our access token rejected (revoked, rotated): every event alike, until an operator fixes it.
    const revoked = createLineAdapter({
      channelAccessToken: 'revoked-token',
      apiBaseUrl: line.baseUrl,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(failureKind(await thrownBy(() => revoked.push(user, [{ type: 'text', text: 'hi' }], crypto.randomUUID())))).toBe('transport');
    const closed = await freePort();
    const nowhere = createLineAdapter({
      channelAccessToken: 'x',
      apiBaseUrl: `http://127.0.0.1:${closed}`,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(failureKind(await thrownBy(() => nowhere.push(user, [{ type: 'text', text: 'hi' }], crypto.randomUUID())))).toBe('transport');
  });

  it("a bug is the event's", () => {
    let bug: unknown;
    try {
      void (undefined as unknown as { x: { y: number } }).x.y;
    } catch (err) {
      bug = err;
    }
    expect(failureKind(bug)).toBe('event');
  });
});
