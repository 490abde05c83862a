import fs from 'node:fs';
import path from 'node:path';

/**
 * The README's settings table is the list people read: every variable the settings code reads
 * must be in it. Variables are found as the quoted UPPER_CASE names passed to the readers.
 */
describe('the README lists every setting', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const sources = ['src/config/settings.ts', 'src/limits/policy.ts', 'src/deal/fee-settings.ts']
    .map((f) => fs.readFileSync(path.join(root, f), 'utf8'))
    .join('\n');
  const prefixed = ['PAYMENT', 'BANKCENTER', 'PAYOUT'].flatMap((p) =>
    ['BASE_URL', 'API_KEY', 'WEBHOOK_SECRET', 'TIMEOUT_MS'].map((s) => `${p}_${s}`),
  );
  const read = new Set(
    [...sources.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)].map((m) => m[1]!).filter((name) => !name.startsWith('DEV_')),
  );
  for (const name of prefixed) read.add(name);

  it('finds the settings it checks', () => {
    expect(read.size).toBeGreaterThan(50);
    expect([...read]).toEqual(expect.arrayContaining(['DATABASE_URL', 'DECISION_WINDOW_MS', 'LIMIT_POLICY']));
  });

  it.each([...read].sort())('%s', (name) => {
    const prefix = /^(PAYMENT|BANKCENTER|PAYOUT)_(BASE_URL|API_KEY|WEBHOOK_SECRET|TIMEOUT_MS)$/.exec(name);
    const documented =
      readme.includes(`\`${name}\``) || (prefix !== null && readme.includes(`\`${prefix[1]}_\``) && readme.includes(`\`${prefix[2]}\``));
    expect({ name, documented }).toEqual({ name, documented: true });
  });
});
