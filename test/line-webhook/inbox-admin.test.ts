import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { newUserId, textEvent } from '../../src/emulators/line';
import type { LineAdapter } from '../../src/line/adapter';
import { startInboxProcessor, storeEvents, toInboxRow, type InboxProcessor } from '../../src/line/webhook';
import { listInboxEvents, redriveEvents } from '../../src/line/webhook/inbox-admin';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/**
 * Finding 8: events the inbox set aside are visible and can be re-driven, by support staff
 * (agent role) through the API and by operators with `npm run inbox:redrive`; every re-drive
 * is in the audit log, and a re-driven event is handled again with a fresh budget.
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('gave_up LINE events: listing and re-drive', () => {
  let h: DealHarness;
  let processor: InboxProcessor | undefined;
  /** Users whose events the handler refuses until the test says otherwise. */
  const broken = new Set<string>();
  const handled: string[] = [];
  beforeAll(async () => {
    h = await startDealHarness({ inProcessWorker: false });
    processor = startInboxProcessor({
      knex: h.knex,
      line: {} as LineAdapter,
      temporal: {} as never,
      chat: {} as never,
      settings: {} as never,
      log: () => undefined,
      options: { concurrency: 4, pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 2 },
      handle: async (_ctx, e) => {
        if (broken.has(e.laneId)) throw new Error('no handler for this postback shape');
        handled.push(e.webhookEventId);
        return 'done';
      },
    });
  });
  afterAll(async () => {
    await processor?.stop();
    await h?.close();
  });

  async function gaveUp(userId: string, text: string): Promise<string> {
    broken.add(userId);
    const parsed = toInboxRow(textEvent(userId, text));
    if (!parsed.ok) throw new Error(parsed.reason);
    await storeEvents(h.knex, [parsed.row]);
    const id = parsed.row.webhook_event_id;
    await eventually(async () => (await h.knex('line_inbox').where({ webhook_event_id: id }).first()).outcome === 'gave_up');
    return id;
  }
  const row = (id: string) => h.knex('line_inbox').where({ webhook_event_id: id }).first();
  const audits = (id: string) =>
    h
      .knex('audit_log')
      .where({ subject: `line-event:${id}`, action: 'line_inbox.redriven' })
      .select('actor', 'details');

  it('lists gave_up events without what the user wrote, to agents only', async () => {
    const user = newUserId();
    const id = await gaveUp(user, 'my phone is 0912-000-111');
    const listed = await h.call('GET', '/api/support/line-events?status=gave_up&limit=500', h.staff.tokens.agent);
    expect(listed.status).toBe(200);
    const mine = listed.body.events.find((e: { webhookEventId: string }) => e.webhookEventId === id);
    expect(mine).toMatchObject({
      eventType: 'message',
      userId: user,
      status: 'gave_up',
      attempts: 2,
      failedAttempts: 2,
      lastFailureKind: 'event',
      lastError: 'Error: no handler for this postback shape',
    });
    expect(JSON.stringify(listed.body)).not.toContain('0912-000-111');
    expect((await h.call('GET', '/api/support/line-events', h.staff.tokens.viewer)).status).toBe(403);
    expect((await h.call('GET', '/api/support/line-events')).status).toBe(401);
    const bad = await h.call('GET', '/api/support/line-events?status=lost', h.staff.tokens.agent);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.contentType).toMatch(/problem\+json/);
  });

  it('re-drives one event through the API: audited under the agent, handled again with a fresh budget', async () => {
    const user = newUserId();
    const id = await gaveUp(user, 'sell 100 1 lamp');
    broken.delete(user);
    const res = await h.call('POST', `/api/support/line-events/${id}/redrive`, h.staff.tokens.agent);
    expect(res).toMatchObject({ status: 200, body: { redriven: id } });
    await eventually(async () => (await row(id)).outcome === 'done');
    expect(await row(id)).toMatchObject({ attempts: 1, failed_attempts: 0 });
    expect(handled).toContain(id);
    expect(await audits(id)).toEqual([
      { actor: 'support:agent-amy', details: expect.objectContaining({ eventType: 'message', userId: user, lastFailureKind: 'event' }) },
    ]);
    // Only a gave_up event can be re-driven; nothing else is touched or audited.
    const again = await h.call('POST', `/api/support/line-events/${id}/redrive`, h.staff.tokens.agent);
    expect(again.status).toBe(409);
    expect(await audits(id)).toHaveLength(1);
  });

  it('re-drives by command: one event, or every gave_up event', async () => {
    const one = newUserId();
    const others = [newUserId(), newUserId()];
    const first = await gaveUp(one, 'one');
    const rest = [await gaveUp(others[0]!, 'two'), await gaveUp(others[1]!, 'three')];
    for (const user of [one, ...others]) broken.delete(user);
    const env = { ...process.env, DATABASE_URL: testDatabaseUrl() };
    const cli = (...args: string[]) => run('npx', ['tsx', 'src/line/webhook/redrive-cli.ts', ...args], { cwd: ROOT, env });

    const listed = await cli('--list', 'gave_up');
    for (const id of [first, ...rest]) expect(listed.stdout).toContain(id);

    const single = await cli('--event', first, '--actor', 'ops-olga');
    expect(single.stdout).toContain(`re-driven ${first}`);
    await eventually(async () => (await row(first)).outcome === 'done');
    expect(await audits(first)).toEqual([expect.objectContaining({ actor: 'cli:ops-olga' })]);
    expect((await row(rest[0]!)).outcome).toBe('gave_up');

    const all = await cli('--all-gave-up', '--actor', 'ops-olga');
    for (const id of rest) expect(all.stdout).toContain(`re-driven ${id}`);
    for (const id of rest) await eventually(async () => (await row(id)).outcome === 'done');
    for (const id of rest) expect(await audits(id)).toHaveLength(1);

    // Asking for an event that is not gave_up changes nothing and says so (exit 1).
    await expect(cli('--event', first)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`not re-driven ${first}`) });
    await expect(cli('--event', first, '--all-gave-up')).rejects.toMatchObject({ code: 2 });
  });

  it('re-drive and listing as functions: a pending event is neither re-driven nor listed as gave_up', async () => {
    const user = newUserId();
    const id = await gaveUp(user, 'x');
    broken.delete(user);
    const result = await redriveEvents(h.knex, { eventIds: [id, 'no-such-event'] }, 'test');
    expect(result).toEqual({ redriven: [id], skipped: ['no-such-event'] });
    expect((await listInboxEvents(h.knex, 'gave_up', 500)).map((e) => e.webhookEventId)).not.toContain(id);
    await eventually(async () => (await row(id)).outcome === 'done');
  });
});
