import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../payment/problem';
import { mediaCodeSchema, productNameSchema } from './params';
import { qrPng } from './qr';
import { watermarkedProductImage } from './watermark';

export interface MediaRouterOptions {
  /** The seller's product picture as SVG for a transaction code; none means a placeholder card. */
  sourceImageFor?: (code: string) => Promise<string | null>;
  /** What the QR code of a transaction encodes, e.g. its progress page; the code itself by default. */
  qrTextFor?: (code: string) => string;
  /** Our official account's add-friend URL, drawn as a QR code at /media/add-friend.png (S103). */
  addFriendUrl?: string;
  /** Cache-Control max-age. The pictures are a pure function of the URL, so caches may keep them. */
  maxAgeSeconds?: number;
}

const DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60;
/** `TX-ABCD-EFGH.png` → the code; the extension is part of the URL so LINE's image fetcher sees a PNG. */
const pngFileSchema = z
  .string()
  .regex(/\.png$/, 'file must end in .png')
  .transform((file) => file.slice(0, -'.png'.length))
  .pipe(mediaCodeSchema);
const watermarkQuerySchema = z.object({ name: productNameSchema.optional() }).passthrough();

/**
 * GET /media/watermark/:code.png?name=… and GET /media/qr/:code.png. Mounted at the root of
 * the api; LINE fetches these URLs from our bubbles. Bad input is a 400 problem+json.
 */
export function mediaRouter(options: MediaRouterOptions = {}): Router {
  const router = Router();
  const cacheControl = `public, max-age=${options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS}`;
  const sendPng = (res: Response, png: Buffer) => {
    res.status(200).type('image/png').set('Cache-Control', cacheControl).send(png);
  };

  router.get('/media/watermark/:file', async (req, res, next) => {
    const code = pngFileSchema.safeParse(req.params.file);
    const query = watermarkQuerySchema.safeParse(req.query);
    if (!code.success) return badRequest(req, res, code.error);
    if (!query.success) return badRequest(req, res, query.error);
    try {
      const source = options.sourceImageFor ? await options.sourceImageFor(code.data) : null;
      sendPng(
        res,
        watermarkedProductImage({ transactionCode: code.data, productName: query.data.name ?? '', sourceImageSvgOrNull: source }),
      );
    } catch (err) {
      next(err);
    }
  });

  router.get('/media/add-friend.png', async (_req, res, next) => {
    if (!options.addFriendUrl) return next();
    try {
      sendPng(res, await qrPng(options.addFriendUrl));
    } catch (err) {
      next(err);
    }
  });

  router.get('/media/qr/:file', async (req, res, next) => {
    const code = pngFileSchema.safeParse(req.params.file);
    if (!code.success) return badRequest(req, res, code.error);
    try {
      sendPng(res, await qrPng(options.qrTextFor ? options.qrTextFor(code.data) : code.data));
    } catch (err) {
      next(err);
    }
  });

  return router;
}

function badRequest(req: Request, res: Response, error: z.ZodError): void {
  res
    .status(400)
    .type(PROBLEM_CONTENT_TYPE)
    // Refusals are not cached: a URL refused by an older deploy must work once the fix is out.
    .set('Cache-Control', 'no-store')
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: error.issues.map((i) => i.message).join('; '),
        instance: req.originalUrl,
      }),
    );
}
