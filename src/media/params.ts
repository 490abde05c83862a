import { z } from 'zod';

/**
 * What the media URLs may carry. The renderer builds URLs with these and the router refuses
 * anything else, so a URL we put in a bubble is always one the router answers.
 */
export const MEDIA_CODE_PATTERN = /^[A-Z0-9-]{4,40}$/;
export const PRODUCT_NAME_MAX_CHARS = 80;

export const mediaCodeSchema = z.string().regex(MEDIA_CODE_PATTERN, 'code must match [A-Z0-9-]{4,40}');
export const productNameSchema = z.string().max(PRODUCT_NAME_MAX_CHARS, `name must be at most ${PRODUCT_NAME_MAX_CHARS} characters`);

export const WATERMARK_PATH_PREFIX = '/media/watermark/';
export const QR_PATH_PREFIX = '/media/qr/';

export function isMediaCode(value: string): boolean {
  return MEDIA_CODE_PATTERN.test(value);
}

function joinBase(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

/** The name is cut (not refused) here: a long product name must not cost the buyer the picture. */
export function watermarkUrl(baseUrl: string, code: string, productName: string): string {
  return joinBase(baseUrl, `${WATERMARK_PATH_PREFIX}${code}.png?name=${encodeURIComponent(cutName(productName))}`);
}

/**
 * Whole code points only, within the router's UTF-16 count: half an emoji would make
 * encodeURIComponent throw.
 */
function cutName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (out.length + ch.length > PRODUCT_NAME_MAX_CHARS) break;
    out += ch;
  }
  return out;
}

export function qrUrl(baseUrl: string, code: string): string {
  return joinBase(baseUrl, `${QR_PATH_PREFIX}${code}.png`);
}
