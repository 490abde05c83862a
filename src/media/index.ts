export { mediaRouter, type MediaRouterOptions } from './router';
export { qrPng, QR_SIZE } from './qr';
export { watermarkedProductImage, WATERMARK_SIZE, type WatermarkInput } from './watermark';
export {
  MEDIA_CODE_PATTERN,
  PRODUCT_NAME_MAX_CHARS,
  QR_PATH_PREFIX,
  WATERMARK_PATH_PREFIX,
  isMediaCode,
  qrUrl,
  watermarkUrl,
} from './params';
