import fs from 'node:fs';
import path from 'node:path';

/**
 * The provider emulators state the outside contracts themselves (src/emulators/<name>/contract.ts):
 * nothing they load, directly or through a shared helper, may come from the product. Otherwise a
 * wrong assumption in the product (a schema, a limit, the signature scheme) would be shared by
 * the emulator and agree with itself. Walks every relative import from the emulators' folders
 * (as test/line/emulator-contract.test.ts does for LINE), following shared files.
 */
const EMULATORS_DIR = path.resolve(__dirname, '../../src/emulators');
const PROVIDERS = ['payment', 'payout', 'bankcenter'] as const;

function resolveTs(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${path.relative(EMULATORS_DIR, from)}: cannot resolve ${specifier}`);
}

/** Every relative import reachable from the given files: [importing file, resolved target]. */
function reachableImports(entries: string[]): Array<[string, string]> {
  const seen = new Set<string>();
  const edges: Array<[string, string]> = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (!specifier!.startsWith('.')) continue;
      const target = resolveTs(file, specifier!);
      edges.push([file, target]);
      // Only files inside the emulators' tree are followed: one outside is already the finding.
      if (target.startsWith(EMULATORS_DIR + path.sep)) queue.push(target);
    }
  }
  return edges;
}

describe('the provider emulators state their contracts themselves', () => {
  it.each(PROVIDERS)('src/emulators/%s loads nothing from the product, directly or through shared helpers', (name) => {
    const dir = path.join(EMULATORS_DIR, name);
    const entries = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(dir, f));
    const outside = reachableImports(entries)
      .filter(([, target]) => !target.startsWith(EMULATORS_DIR + path.sep))
      .map(([from, target]) => `${path.relative(EMULATORS_DIR, from)} -> ${path.relative(path.dirname(EMULATORS_DIR), target)}`);
    expect(outside).toEqual([]);
  });

  it.each(PROVIDERS)('src/emulators/%s has its own contract.ts', (name) => {
    expect(fs.existsSync(path.join(EMULATORS_DIR, name, 'contract.ts'))).toBe(true);
  });
});
