import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { addEntry, importWatchlist, matchWatchlist, removeEntry } from '../../src/watchlist';
import { testDatabaseUrl, uniqueId } from '../support/env';

const hashSecret = 'watchlist-test-secret-0123456789abcdef';
let knex: Knex;
beforeAll(() => {
  knex = createKnex(testDatabaseUrl(), 4);
});
afterAll(async () => {
  await knex.destroy();
});

/** Random values, so runs against a kept database never collide. */
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
const fresh = () => ({
  ref: uniqueId('R'),
  phone: `09${digits(2)}-${digits(3)}-${digits(3)}`,
  bank: `812-${digits(4)}-${digits(4)}-${digits(4)}`,
  atm: `013${digits(14)}`,
  lineUserId: `U${digits(32)}`,
  order: uniqueId('ORD'),
});

function csvFixture(v: ReturnType<typeof fresh>, reasonForFirst = 'reported by victim') {
  return [
    'source_ref,key_type,key_value,reason,expires_at', // line 1
    `${v.ref}-1,phone,${v.phone},${reasonForFirst},`, // 2
    `${v.ref}-2,bank_account,${v.bank},mule account,`, // 3
    `${v.ref}-3,passport,A123,unknown key type,`, // 4 bad
    `${v.ref}-4,phone,12345,too short,`, // 5 bad
    `"${v.ref}-5","line_user_id","${v.lineUserId}","scam, ""reported""`, // 6 (quoted field spans two lines)
    `twice",2099-12-31`, // 7
    `${v.ref}-6,order_number,${v.order},bad date,31/12/2099`, // 8 bad
    `${v.ref}-7,atm_account,${v.atm},old case,2000-01-01`, // 9 already expired
    `${v.ref}-8,phone`, // 10 bad: too few fields
    `${v.ref}-1,phone,${v.phone},duplicate,`, // 11 bad: duplicate source_ref
    '', // trailing blank line is not a row
  ].join('\r\n');
}

describe('watch-list import', () => {
  it('imports good rows, reports bad ones by line number, and stores no clear values', async () => {
    const v = fresh();
    const result = await importWatchlist(knex, { source: 'fraud_reports', format: 'csv', content: csvFixture(v), hashSecret });
    expect(result.imported).toBe(4);
    expect(result.updated).toBe(0);
    expect(result.skipped.map((s) => s.line)).toEqual([4, 5, 8, 10, 11]);
    expect(result.skipped[0].reason).toMatch(/key_type "passport"/);
    expect(result.skipped[1].reason).toMatch(/phone/);
    expect(result.skipped[2].reason).toMatch(/expires_at/);
    expect(result.skipped[3].reason).toMatch(/fields/);
    expect(result.skipped[4].reason).toMatch(/already appears at line 2/);

    const rows = await knex('watchlist_entries').where('source_ref', 'like', `${v.ref}-%`).orderBy('source_ref');
    expect(rows.map((r) => r.source_ref)).toEqual([`${v.ref}-1`, `${v.ref}-2`, `${v.ref}-5`, `${v.ref}-7`]);
    expect(rows[2].reason).toBe('scam, "reported"\r\ntwice');
    const stored = JSON.stringify(rows);
    for (const clear of [v.phone, v.phone.replace(/-/g, '').slice(1), v.bank.replace(/-/g, ''), v.lineUserId, v.atm]) {
      expect(stored).not.toContain(clear);
    }
    expect(rows[0].key_masked).toBe(`+886****${v.phone.replace(/-/g, '').slice(-4)}`);
    expect(rows[1].key_masked).toBe(`***-****${v.bank.slice(-4)}`);
  });

  it('is idempotent on re-import and counts real changes as updates', async () => {
    const v = fresh();
    await importWatchlist(knex, { source: 'bank_credit', format: 'csv', content: csvFixture(v), hashSecret });
    const again = await importWatchlist(knex, { source: 'bank_credit', format: 'csv', content: csvFixture(v), hashSecret });
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 4 });
    const changed = await importWatchlist(knex, {
      source: 'bank_credit',
      format: 'csv',
      content: csvFixture(v, 'confirmed by police'),
      hashSecret,
    });
    expect(changed).toMatchObject({ imported: 0, updated: 1, unchanged: 3 });
    expect(
      await knex('watchlist_entries')
        .where({ source: 'bank_credit', source_ref: `${v.ref}-1` })
        .first(),
    ).toMatchObject({
      reason: 'confirmed by police',
    });
    // The same source_ref in another source is another entry.
    const other = await importWatchlist(knex, { source: 'other', format: 'csv', content: csvFixture(v), hashSecret });
    expect(other.imported).toBe(4);
  });

  it('imports JSON arrays (reporting items by position) and JSON Lines (by line)', async () => {
    const v = fresh();
    const array = JSON.stringify([
      { source_ref: `${v.ref}-a`, key_type: 'phone', key_value: v.phone, reason: 'json' },
      { source_ref: `${v.ref}-b`, key_type: 'phone', reason: 'no value' },
      'not an object',
    ]);
    const fromArray = await importWatchlist(knex, { source: 'other', format: 'json', content: array, hashSecret });
    expect(fromArray.imported).toBe(1);
    expect(fromArray.skipped).toEqual([
      { line: 2, reason: expect.stringMatching(/key_value is missing/) },
      { line: 3, reason: expect.stringMatching(/not an object/) },
    ]);
    const lines = [`{"source_ref":"${v.ref}-c","key_type":"order_number","key_value":"${v.order}","reason":"jsonl"}`, '', '{broken'].join(
      '\n',
    );
    const fromLines = await importWatchlist(knex, { source: 'other', format: 'json', content: lines, hashSecret });
    expect(fromLines.imported).toBe(1);
    expect(fromLines.skipped).toEqual([{ line: 3, reason: expect.stringMatching(/not valid JSON/) }]);
  });

  it('records each import in the audit log', async () => {
    const v = fresh();
    await importWatchlist(knex, { source: 'other', format: 'csv', content: csvFixture(v), hashSecret, actor: 'support:alice' });
    const entry = await knex('audit_log').where({ actor: 'support:alice', action: 'watchlist.imported' }).orderBy('seq', 'desc').first();
    expect(entry.details).toMatchObject({ imported: 4, skipped: 5, format: 'csv' });
  });
});

describe('watch-list matching', () => {
  const v = fresh();
  beforeAll(async () => {
    await importWatchlist(knex, { source: 'fraud_reports', format: 'csv', content: csvFixture(v), hashSecret });
  });
  const refsOf = (matches: Array<{ sourceRef: string }>) => matches.map((m) => m.sourceRef).filter((r) => r.startsWith(v.ref));

  it('matches each key type, whatever the spelling', async () => {
    expect(refsOf(await matchWatchlist(knex, hashSecret, { phone: `+886 ${v.phone.slice(1).replace(/-/g, ' ')}` }))).toEqual([
      `${v.ref}-1`,
    ]);
    expect(refsOf(await matchWatchlist(knex, hashSecret, { bankAccount: v.bank.replace(/-/g, '') }))).toEqual([`${v.ref}-2`]);
    expect(refsOf(await matchWatchlist(knex, hashSecret, { lineUserId: v.lineUserId }))).toEqual([`${v.ref}-5`]);
    const [match] = await matchWatchlist(knex, hashSecret, { lineUserId: v.lineUserId });
    expect(match).toMatchObject({ source: 'fraud_reports', keyType: 'line_user_id', reason: 'scam, "reported"\r\ntwice' });
    const added = await addEntry(knex, { hashSecret, keyType: 'order_number', value: v.order, reason: 'chargeback', actor: 'support:bob' });
    expect((await matchWatchlist(knex, hashSecret, { orderNumber: v.order })).map((m) => m.id)).toEqual([added.id]);
    expect(await matchWatchlist(knex, 'another-secret', { phone: v.phone })).toEqual([]);
    expect(await matchWatchlist(knex, hashSecret, {})).toEqual([]);
  });

  it('ignores expired entries, and date-only expiries last through that day in Taiwan time', async () => {
    expect(refsOf(await matchWatchlist(knex, hashSecret, { atmAccount: v.atm }))).toEqual([]);
    const alive = await addEntry(knex, { hashSecret, keyType: 'atm_account', value: v.atm, reason: 'new case', actor: 'support:bob' });
    expect((await matchWatchlist(knex, hashSecret, { atmAccount: v.atm })).map((m) => m.id)).toEqual([alive.id]);
    // Listed as an ATM account only: the same digits offered as a bank account are another key.
    expect(await matchWatchlist(knex, hashSecret, { bankAccount: v.atm })).toEqual([]);

    expect(refsOf(await matchWatchlist(knex, hashSecret, { lineUserId: v.lineUserId }, new Date('2099-12-31T15:59:59Z')))).toEqual([
      `${v.ref}-5`,
    ]);
    expect(refsOf(await matchWatchlist(knex, hashSecret, { lineUserId: v.lineUserId }, new Date('2099-12-31T16:00:00Z')))).toEqual([]);
  });

  it('ignores removed entries, audits the removal, and a re-import does not revive them', async () => {
    const [entry] = await matchWatchlist(knex, hashSecret, { bankAccount: v.bank });
    expect(await removeEntry(knex, { id: entry.id, actor: 'support:carol', reason: 'verified owner' })).toBe(true);
    expect(await removeEntry(knex, { id: entry.id, actor: 'support:carol', reason: 'again' })).toBe(false);
    expect(await matchWatchlist(knex, hashSecret, { bankAccount: v.bank })).toEqual([]);
    const audit = await knex('audit_log').where({ action: 'watchlist.entry_removed', subject: `watchlist_entry:${entry.id}` });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'support:carol', details: { reason: 'verified owner' } });

    await importWatchlist(knex, { source: 'fraud_reports', format: 'csv', content: csvFixture(v), hashSecret });
    expect(await matchWatchlist(knex, hashSecret, { bankAccount: v.bank })).toEqual([]);
  });

  it('refuses a key that cannot be normalised instead of answering "no match"', async () => {
    await expect(matchWatchlist(knex, hashSecret, { phone: 'call me' })).rejects.toThrow(/phone/);
  });
});

describe('import-cli', () => {
  it('imports a file named on the command line, format from its extension, listing skipped lines', async () => {
    const v = fresh();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'watchlist-')), 'reports.csv');
    fs.writeFileSync(file, csvFixture(v));
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const cli = path.resolve(__dirname, '../../src/watchlist/import-cli.ts');
    const { stdout, stderr } = await promisify(execFile)(tsx, [cli, '--source', 'fraud_reports', '--file', file], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), HASH_SECRET: hashSecret },
    });
    expect(stdout).toMatch(/imported 4, updated 0, unchanged 0, skipped 5/);
    expect(stderr).toMatch(/line 4: key_type "passport"/);
    expect(refsOfAll(await matchWatchlist(knex, hashSecret, { phone: v.phone }), v.ref)).toEqual([`${v.ref}-1`]);
  });
});

function refsOfAll(matches: Array<{ sourceRef: string }>, prefix: string): string[] {
  return matches.map((m) => m.sourceRef).filter((r) => r.startsWith(prefix));
}
