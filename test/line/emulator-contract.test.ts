import fs from 'node:fs';
import path from 'node:path';
import * as contract from '../../src/emulators/line/contract';
import * as product from '../../src/line/limits';

/**
 * The LINE emulator states LINE's contract itself (src/emulators/line/contract.ts, from LINE's
 * OpenAPI documents and reference): it imports nothing of the product, so a product constant
 * that drifts from LINE is caught by the emulator instead of being shared with it. The product's
 * own limits must fit inside LINE's.
 */
const EMULATOR_DIR = path.resolve(__dirname, '../../src/emulators/line');

describe("the LINE emulator's contract", () => {
  it('imports nothing from the product: only its own folder and packages', () => {
    const outside: string[] = [];
    for (const file of fs.readdirSync(EMULATOR_DIR).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(EMULATOR_DIR, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (specifier!.startsWith('.') && !path.resolve(EMULATOR_DIR, specifier!).startsWith(EMULATOR_DIR + path.sep))
          outside.push(`${file}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("the product's limits fit inside LINE's", () => {
    const pairs: [string, number, number][] = [
      ['messages per request', product.MESSAGES_PER_REQUEST_MAX, contract.MESSAGES_PER_REQUEST_MAX],
      ['text', product.TEXT_MAX_CHARS, contract.TEXT_MAX_CHARS],
      ['flex altText', product.FLEX_ALT_TEXT_MAX_CHARS, contract.FLEX_ALT_TEXT_MAX_CHARS],
      ['template altText', product.TEMPLATE_ALT_TEXT_MAX_CHARS, contract.TEMPLATE_ALT_TEXT_MAX_CHARS],
      ['bubble bytes', product.FLEX_BUBBLE_MAX_BYTES, contract.FLEX_BUBBLE_MAX_BYTES],
      ['carousel bytes', product.FLEX_CAROUSEL_MAX_BYTES, contract.FLEX_CAROUSEL_MAX_BYTES],
      ['carousel bubbles', product.FLEX_CAROUSEL_MAX_BUBBLES, contract.FLEX_CAROUSEL_MAX_BUBBLES],
      ['postback data', product.POSTBACK_DATA_MAX_CHARS, contract.POSTBACK_DATA_MAX_CHARS],
      ['action label', product.ACTION_LABEL_MAX_CHARS, contract.ACTION_LABEL_MAX_CHARS],
      ['quick reply items', product.QUICK_REPLY_MAX_ITEMS, contract.QUICK_REPLY_MAX_ITEMS],
      ['url', product.URL_MAX_CHARS, contract.URL_MAX_CHARS],
      ['uri action', product.URI_ACTION_MAX_CHARS, contract.URI_ACTION_MAX_CHARS],
      ['request body', product.REQUEST_BODY_MAX_BYTES, contract.REQUEST_BODY_MAX_BYTES],
    ];
    expect(pairs.filter(([, ours, line]) => ours > line).map(([name]) => name)).toEqual([]);
    expect(product.MESSAGES_PER_REQUEST_MIN).toBeGreaterThanOrEqual(contract.MESSAGES_PER_REQUEST_MIN);
    expect(product.URI_ACTION_SCHEMES.filter((s) => !contract.URI_ACTION_SCHEMES.includes(s))).toEqual([]);
    // Our retry keys are name-based UUIDs: LINE must take them.
    expect(contract.UUID_PATTERN.test('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
  });
});
