import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { appendAudit, auditRowHash, verifyAuditChain } from '../../src/audit';
import { createKnex } from '../../src/db/knex';
import { testDatabaseUrl, testOwnerDatabaseUrl, uniqueId } from '../support/env';

/**
 * The chain is one table shared by the whole test run, so tampering happens inside a
 * transaction that is rolled back: the check sees it, nobody else ever does. The app's role may
 * only append and read (test/ledger/roles.test.ts); the trigger and the tampering are tried as
 * the table's owner, the one role that could get past the first line.
 */
let knex: Knex;
let owner: Knex;
beforeAll(() => {
  knex = createKnex(testDatabaseUrl(), 10);
  owner = createKnex(testOwnerDatabaseUrl(), 2);
});
afterAll(async () => {
  await knex.destroy();
  await owner.destroy();
});

async function tamperedView(tamper: (trx: Knex.Transaction) => Promise<void>) {
  const trx = await owner.transaction();
  try {
    await tamper(trx);
    return await verifyAuditChain(trx);
  } finally {
    await trx.rollback();
  }
}

async function appendMany(count: number, subject: string): Promise<number[]> {
  const appended = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      appendAudit(knex, { actor: 'system:test', action: 'test.appended', subject, details: { i, nested: { b: 2, a: [1, 'x'] } } }),
    ),
  );
  return appended.map((a) => a.seq).sort((a, b) => a - b);
}

describe('audit log', () => {
  it('stays a valid chain under 50 concurrent appends', async () => {
    const subject = uniqueId('order');
    const seqs = await appendMany(50, subject);
    expect(new Set(seqs).size).toBe(50);
    const result = await verifyAuditChain(knex);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.headSeq).toBeGreaterThanOrEqual(seqs[49]);
    expect(await knex('audit_log').where({ subject }).count<{ count: string }[]>('* as count')).toEqual([{ count: '50' }]);
  });

  it('links each row to the one before with sha256(prev_hash || canonical row)', async () => {
    const subject = uniqueId('order');
    const { seq } = await appendAudit(knex, { actor: 'U1', action: 'order.paid', subject, details: { z: 1, a: 'two' } });
    const row = await knex('audit_log').where({ seq }).first();
    const previous = await knex('audit_log').where('seq', '<', seq).orderBy('seq', 'desc').first();
    expect(row.prev_hash).toBe(previous ? previous.hash : '0'.repeat(64));
    expect(auditRowHash(row.prev_hash, row)).toBe(row.hash);
  });

  it('commits an entry with the caller transaction, or not at all; a rolled back append leaves a valid chain', async () => {
    const subject = uniqueId('order');
    const trx = await knex.transaction();
    await appendAudit(trx, { actor: 'system:test', action: 'order.released', subject });
    await trx.rollback();
    await appendAudit(knex, { actor: 'system:test', action: 'order.released', subject });
    expect(await knex('audit_log').where({ subject }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
    expect(await verifyAuditChain(knex)).toMatchObject({ ok: true });
  });

  it('refuses UPDATE, DELETE and TRUNCATE, even by the owner', async () => {
    const { seq } = await appendAudit(knex, { actor: 'system:test', action: 'test.appended', subject: uniqueId('order') });
    await expect(owner('audit_log').where({ seq }).update({ actor: 'someone else' })).rejects.toThrow(/append-only/);
    await expect(owner('audit_log').where({ seq }).delete()).rejects.toThrow(/append-only/);
    await expect(owner.raw('truncate audit_log')).rejects.toThrow(/append-only/);
    expect((await knex('audit_log').where({ seq }).first()).actor).toBe('system:test');
  });

  describe('with the trigger disabled by the owner or a superuser', () => {
    const disable = (trx: Knex.Transaction) => trx.raw('alter table audit_log disable trigger audit_log_append_only');

    it('detects an altered row at its seq', async () => {
      const seqs = await appendMany(5, uniqueId('order'));
      const target = seqs[2];
      const result = await tamperedView(async (trx) => {
        await disable(trx);
        await trx('audit_log')
          .where({ seq: target })
          .update({ details: JSON.stringify({ i: 999 }) });
      });
      expect(result).toEqual({ ok: false, firstBrokenSeq: target, reason: expect.stringMatching(/altered/) });
    });

    it('detects an altered row whose own hash was recomputed, at the next row', async () => {
      const seqs = await appendMany(5, uniqueId('order'));
      const target = seqs[1];
      const next = (await knex('audit_log').where('seq', '>', target).orderBy('seq').first()).seq;
      const result = await tamperedView(async (trx) => {
        await disable(trx);
        const row = await trx('audit_log').where({ seq: target }).first();
        const forged = { ...row, actor: 'support:mallory' };
        await trx('audit_log')
          .where({ seq: target })
          .update({ actor: forged.actor, hash: auditRowHash(row.prev_hash, forged) });
      });
      expect(result).toEqual({ ok: false, firstBrokenSeq: Number(next), reason: expect.stringMatching(/prev_hash/) });
    });

    it('detects a deleted row at the row after it', async () => {
      const seqs = await appendMany(5, uniqueId('order'));
      const result = await tamperedView(async (trx) => {
        await disable(trx);
        await trx('audit_log').where({ seq: seqs[3] }).delete();
      });
      expect(result).toMatchObject({ ok: false, firstBrokenSeq: seqs[4] });
    });

    it('leaves the real chain intact afterwards', async () => {
      expect(await verifyAuditChain(knex)).toMatchObject({ ok: true });
    });
  });
});

describe('verify-cli', () => {
  const cli = path.resolve(__dirname, '../../src/audit/verify-cli.ts');
  const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
  const run = (databaseUrl: string) =>
    promisify(execFile)(tsx, [cli], { env: { ...process.env, DATABASE_URL: databaseUrl } }).then(
      (out) => ({ code: 0, ...out }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it('exits 0 and prints the head of an intact chain', async () => {
    const { code, stdout } = await run(testDatabaseUrl());
    expect(code).toBe(0);
    expect(stdout).toMatch(/audit chain intact: \d+ rows, head seq \d+ hash [0-9a-f]{64}/);
  });

  it('exits 2 when it cannot check', async () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = '/no_such_database';
    const { code, stderr } = await run(url.toString());
    expect(code).toBe(2);
    expect(stderr).toMatch(/not checked/);
  });
});
