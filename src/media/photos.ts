import type { Knex } from 'knex';

/**
 * The seller's photo of a deal (sent in the chat, kept in product_photos by the chat's sale
 * drafts) as a data URL for the watermark renderer, so resvg draws it without fetching anything.
 * Null when the deal has no photo (a placeholder card).
 */

export function photoSourceFor(knex: Knex) {
  return async (transactionCode: string): Promise<string | null> => {
    const row = await knex('product_photos')
      .where({ transaction_code: transactionCode })
      .orderBy('id', 'desc')
      .first('content_type', 'bytes');
    if (!row) return null;
    return `data:${row.content_type};base64,${Buffer.from(row.bytes).toString('base64')}`;
  };
}
