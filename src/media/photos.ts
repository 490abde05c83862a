import type { Knex } from 'knex';

/**
 * The seller's photo of a deal (sent in the chat, kept in product_photos by the chat's sale
 * drafts) as SVG markup for the watermark renderer: the JPEG or PNG embedded as a data URL, so
 * resvg draws it without fetching anything. Null when the deal has no photo (a placeholder card).
 */
const PHOTO_WIDTH = 720;
const PHOTO_HEIGHT = 600;

export function photoSourceFor(knex: Knex) {
  return async (transactionCode: string): Promise<string | null> => {
    const row = await knex('product_photos')
      .where({ transaction_code: transactionCode })
      .orderBy('id', 'desc')
      .first('content_type', 'bytes');
    if (!row) return null;
    const href = `data:${row.content_type};base64,${Buffer.from(row.bytes).toString('base64')}`;
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${PHOTO_WIDTH}" height="${PHOTO_HEIGHT}" viewBox="0 0 ${PHOTO_WIDTH} ${PHOTO_HEIGHT}"><image href="${href}" width="${PHOTO_WIDTH}" height="${PHOTO_HEIGHT}" preserveAspectRatio="xMidYMid slice"/></svg>`;
  };
}
