import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { keyRing } from '../../src/crypto';
import { DecryptionError } from '../../src/crypto/aead';
import { dataConverterFromEnv, ENCRYPTED_ENCODING, EncryptionCodec, METADATA_KEY_ID } from '../../src/temporal/codec';
import { codecRouter } from '../../src/temporal/codec-server';
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
    expect(raw.includes(Buffer.from('654'))).toBe(false);
    expect(raw.includes(Buffer.from(holderName))).toBe(false);
  });

  it('(control) without the codec the same search finds them', async () => {
    const { raw } = await runAndFetchRawHistory({});
    expect(raw.includes(Buffer.from(phone))).toBe(true);
    expect(raw.includes(Buffer.from(holderName))).toBe(true);
  });
});

describe('codec server', () => {
  const operatorToken = randomBytes(24).toString('hex');
  const uiOrigin = 'http://localhost:8233';
  const codec = new EncryptionCodec(keyRing([['k1', k1]]));
  let baseUrl: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = express();
    app.use(codecRouter({ codec, operatorTokens: ['another-operator-token-0123456789abcdef', operatorToken], allowedOrigins: [uiOrigin] }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => close?.());

  async function encodedBody(): Promise<string> {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload({ phone: '0912345678' })]);
    const metadata = Object.fromEntries(Object.entries(encoded.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    return JSON.stringify({ payloads: [{ metadata, data: Buffer.from(encoded.data!).toString('base64') }] });
  }

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: uiOrigin, ...headers } });

  it('decodes for an authorised operator, with CORS for the UI', async () => {
    const res = await post('/codec/decode', await encodedBody(), { authorization: `Bearer ${operatorToken}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const body = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    const payload: Payload = {
      metadata: Object.fromEntries(Object.entries(body.payloads[0].metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(body.payloads[0].data, 'base64'),
    };
    expect(defaultPayloadConverter.fromPayload(payload)).toEqual({ phone: '0912345678' });
  });

  it('encodes, so the UI can send signals with encrypted input', async () => {
    const plain = defaultPayloadConverter.toPayload('x');
    const body = JSON.stringify({
      payloads: [
        {
          metadata: { encoding: Buffer.from(plain.metadata!.encoding).toString('base64') },
          data: Buffer.from(plain.data!).toString('base64'),
        },
      ],
    });
    const res = await post('/codec/encode', body, { authorization: `Bearer ${operatorToken}` });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { payloads: Array<{ metadata: Record<string, string> }> };
    expect(Buffer.from(json.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  });

  it('answers the CORS preflight without a token', async () => {
    const res = await fetch(`${baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('refuses callers without a token (401) and with a wrong one (403), as problem+json', async () => {
    const body = await encodedBody();
    const missing = await post('/codec/decode', body, {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const wrong = await post('/codec/decode', body, { authorization: `Bearer ${operatorToken}x` });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await wrong.text()).not.toContain('0912345678');
  });

  it('rejects a malformed body and undecodable payloads as problems', async () => {
    const auth = { authorization: `Bearer ${operatorToken}` };
    expect((await post('/codec/decode', JSON.stringify({ nope: 1 }), auth)).status).toBe(400);
    const foreign = await new EncryptionCodec(keyRing([['k9', k2]])).encode([defaultPayloadConverter.toPayload('x')]);
    const body = JSON.stringify({
      payloads: foreign.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    });
    const res = await post('/codec/decode', body, auth);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
