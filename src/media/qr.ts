import QRCode from 'qrcode';

/** Pixels per side: sharp on phones, well under LINE's 1024×1024 image limit. */
export const QR_SIZE = 512;

/**
 * The QR code of S203 (transaction info viewable through a QR code) as a PNG. Medium error
 * correction survives a screenshot of a screenshot; the quiet zone keeps scanners happy on
 * LINE's coloured bubbles.
 */
export function qrPng(text: string): Promise<Buffer> {
  if (text.length === 0) return Promise.reject(new RangeError('qrPng: empty text'));
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: QR_SIZE });
}
