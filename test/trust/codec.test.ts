import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { keyRing } from '../../src/crypto';
import { DecryptionError } from '../../src/crypto/aead';
import { dataConverterFromEnv, ENCRYPTED_ENCODING, EncryptionCodec, METADATA_KEY_ID } from '../../src/temporal/codec';
import { testTemporalAddress, uniqueId } from '../support/env';
import type { echoContact } from './fixtures/phone-workflow';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('EncryptionCodec', () => {
  it('round-trips payloads and hides data and metadata', async () => {
    const codec = new EncryptionCodec(keyRing([['k1', k1]]));
    const original = defaultPayloadConverter.toPayload({ phone: '0912345678' });
    const [encoded] = await codec.encode([original]);
    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata?.[METADATA_KEY_ID])).toBe('k1');
    expect(text(encoded.data)).not.toContain('0912345678');
    expect(text(encoded.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ phone: '0912345678' });
  });

  it('decodes after rotation, passes unencrypted payloads through, refuses altered ones', async () => {
    const [old] = await new EncryptionCodec(keyRing([['k1', k1]])).encode([defaultPayloadConverter.toPayload('hello')]);
    const rotated = new EncryptionCodec(
      keyRing([
        ['k2', k2],
        ['k1', k1],
      ]),
    );
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toBe('hello');
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload('hello')]);
    expect(text(fresh.metadata?.[METADATA_KEY_ID])).toBe('k2');

    const plain = defaultPayloadConverter.toPayload('plain');
    expect((await rotated.decode([plain]))[0]).toBe(plain);

    const altered: Payload = { metadata: old.metadata, data: Buffer.from(old.data!).fill(7, 20, 21) };
    await expect(rotated.decode([altered])).rejects.toThrow(DecryptionError);
  });
});

/** Every string and byte string in a history, so a search sees whatever the server stored. */
function historyBytes(value: unknown, into: Buffer[] = []): Buffer {
  if (value instanceof Uint8Array) into.push(Buffer.from(value));
  else if (typeof value === 'string') into.push(Buffer.from(value, 'utf8'));
  else if (Array.isArray(value)) value.forEach((item) => historyBytes(item, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => historyBytes(item, into));
  return Buffer.concat(into);
}

describe('payload codec with a real Temporal server', () => {
  const phone = '0987-654-321';
  const holderName = '王小明';
  let bundle: WorkflowBundleWithSourceMap;
  let connection: Connection;

  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/phone-workflow'), logger: undefined });
    connection = await Connection.connect({ address: testTemporalAddress() });
  });
  afterAll(async () => {
    await connection?.close();
  });

  /** Runs the workflow with `dataConverter` on both sides; returns the raw history seen without any codec. */
  async function runAndFetchRawHistory(dataConverter: DataConverter): Promise<{ result: string; raw: Buffer }> {
    const taskQueue = uniqueId('trust-codec');
    const native = await NativeConnection.connect({ address: testTemporalAddress() });
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: bundle,
      dataConverter,
    });
    const client = new Client({ connection, dataConverter });
    const workflowId = uniqueId('contact');
    const result = await worker
      .runUntil(client.workflow.execute<typeof echoContact>('echoContact', { taskQueue, workflowId, args: [{ phone, holderName }] }))
      .finally(() => native.close());
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return { result, raw: historyBytes(history) };
  }

  it('keeps the phone number and name out of the stored history', async () => {
    const { result, raw } = await runAndFetchRawHistory(dataConverterFromEnv({ PAYLOAD_KEYS: `k1:${k1.toString('base64')}` }));
    expect(result).toBe(`contact ${holderName} at ${phone}`);
    expect(raw.includes(Buffer.from(ENCRYPTED_ENCODING))).toBe(true);
    expect(raw.includes(Buffer.from(phone))).toBe(false);
    // Nor the number in other spellings. (Not its three-digit groups alone: the history's run ids
    // and request ids are hex, and one of them held '654' by chance in a CI run.)
    for (const spelling of ['0987654321', '987-654', '654-321', '+886987654321']) expect(raw.includes(Buffer.from(spelling))).toBe(false);
    expect(raw.includes(Buffer.from(holderName))).toBe(false);
  });

  it('(control) without the codec the same search finds them', async () => {
    const { raw } = await runAndFetchRawHistory({});
    expect(raw.includes(Buffer.from(phone))).toBe(true);
    expect(raw.includes(Buffer.from(holderName))).toBe(true);
  });
});
