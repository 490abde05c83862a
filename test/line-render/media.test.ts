import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { messagingApi } from '@line/bot-sdk';
import express from 'express';
import { renderDealMessage } from '../../src/line/render';
import { mediaRouter, qrPng, QR_SIZE, watermarkedProductImage, WATERMARK_SIZE } from '../../src/media';
import { hugeProduct, samplesFor } from './samples';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which a PNG must start with. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const SOURCE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="40" fill="orange"/></svg>';

describe('watermarkedProductImage', () => {
  it("draws a placeholder card as a square PNG within LINE's 1024 px", () => {
    const png = watermarkedProductImage({ transactionCode: 'TX-7K3M-Q9PZ', productName: 'Lavender soap', sourceImageSvgOrNull: null });
    expect(pngSize(png)).toEqual({ width: WATERMARK_SIZE, height: WATERMARK_SIZE });
    expect(WATERMARK_SIZE).toBeLessThanOrEqual(1024);
  });

  it('differs for different codes (the watermark is really drawn) and is stable for the same one', () => {
    const of = (transactionCode: string) => watermarkedProductImage({ transactionCode, productName: 'Soap', sourceImageSvgOrNull: null });
    expect(of('TX-AAAA-AAAA').equals(of('TX-BBBB-BBBB'))).toBe(false);
    expect(of('TX-AAAA-AAAA').equals(of('TX-AAAA-AAAA'))).toBe(true);
  });

  it("uses the seller's SVG picture when there is one", () => {
    const input = { transactionCode: 'TX-7K3M-Q9PZ', productName: 'Soap' };
    const withPicture = watermarkedProductImage({ ...input, sourceImageSvgOrNull: SOURCE_SVG });
    expect(pngSize(withPicture).width).toBe(WATERMARK_SIZE);
    expect(withPicture.equals(watermarkedProductImage({ ...input, sourceImageSvgOrNull: null }))).toBe(false);
  });

  it('survives markup and a long CJK name in the product name', () => {
    const png = watermarkedProductImage({
      transactionCode: 'TX-7K3M-Q9PZ',
      productName: '</text><script>x</script>&' + '超長名稱'.repeat(20),
      sourceImageSvgOrNull: null,
    });
    expect(pngSize(png).width).toBe(WATERMARK_SIZE);
  });
});

describe('qrPng', () => {
  it('makes a square PNG of the documented size', async () => {
    const png = await qrPng('https://pay.example/deals/TX-7K3M-Q9PZ');
    expect(pngSize(png)).toEqual({ width: QR_SIZE, height: QR_SIZE });
  });

  it('encodes the text: different texts give different pictures', async () => {
    expect((await qrPng('TX-AAAA-AAAA')).equals(await qrPng('TX-BBBB-BBBB'))).toBe(false);
  });

  it('refuses empty text', async () => {
    await expect(qrPng('')).rejects.toThrow(RangeError);
  });
});

describe('mediaRouter', () => {
  let server: Server;
  let base: string;
  const sourceFor = jest.fn(async (code: string) => (code === 'TX-WITH-PICTURE' ? SOURCE_SVG : null));

  beforeAll(async () => {
    const app = express();
    app.use(mediaRouter({ sourceImageFor: sourceFor, qrTextFor: (code) => `https://pay.example/deals/${code}` }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the watermarked picture with cache headers', async () => {
    const res = await fetch(`${base}/media/watermark/TX-7K3M-Q9PZ.png?name=${encodeURIComponent('手工皂')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(pngSize(Buffer.from(await res.arrayBuffer())).width).toBe(WATERMARK_SIZE);
  });

  it("asks for the seller's picture by code", async () => {
    const res = await fetch(`${base}/media/watermark/TX-WITH-PICTURE.png`);
    expect(res.status).toBe(200);
    expect(sourceFor).toHaveBeenCalledWith('TX-WITH-PICTURE');
  });

  it('serves the QR code', async () => {
    const res = await fetch(`${base}/media/qr/TX-7K3M-Q9PZ.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(pngSize(Buffer.from(await res.arrayBuffer()))).toEqual({ width: QR_SIZE, height: QR_SIZE });
  });

  it.each([
    ['lower-case code', '/media/qr/tx-7k3m-q9pz.png'],
    ['too short', '/media/qr/TX1.png'],
    ['too long', `/media/qr/${'A'.repeat(41)}.png`],
    ['other extension', '/media/qr/TX-7K3M-Q9PZ.jpg'],
    ['no extension', '/media/watermark/TX-7K3M-Q9PZ'],
    ['escaped slash', '/media/watermark/..%2FTX-7K3M.png'],
    ['name over 80 characters', `/media/watermark/TX-7K3M-Q9PZ.png?name=${'n'.repeat(81)}`],
    ['repeated name', '/media/watermark/TX-7K3M-Q9PZ.png?name=a&name=b'],
  ])('answers 400 problem+json for a %s', async (_name, path) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(typeof problem.detail).toBe('string');
  });

  it('answers the watermark URL the renderer puts in S107, even for a 200-character emoji-laden name', async () => {
    const message = samplesFor(hugeProduct).pending_payment_info;
    const [out] = renderDealMessage(message, 'zh-TW', { mediaBaseUrl: base }) as [messagingApi.FlexMessage];
    const hero = (out.contents as messagingApi.FlexBubble).hero as messagingApi.FlexImage;
    const res = await fetch(hero.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('accepts a name of exactly 80 characters', async () => {
    const res = await fetch(`${base}/media/watermark/TX-7K3M-Q9PZ.png?name=${encodeURIComponent('名'.repeat(80))}`);
    expect(res.status).toBe(200);
  });
});
