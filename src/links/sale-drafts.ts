import type { Knex } from 'knex';
import { transactionCode } from '../domain/ids';
import { MAX_AMOUNT_MINOR, minorDigits, type Currency } from '../domain/money';
import { createPaymentLink, type LinkDeps } from './create-link';

/**
 * Sales begun in the chat (migration 0021): a draft per seller until its currency is chosen, or
 * until the seller's e-wallet is active. The chat side is src/line/webhook/sale-drafts.ts.
 */
export interface DraftRow {
  seller_id: string;
  product_name: string;
  unit_price: string;
  quantity: number;
  currency: string | null;
  description: string | null;
  photo_id: string | null;
  state: 'choosing_currency' | 'awaiting_wallet';
}

/**
 * After the seller's e-wallet became active: the sale they were making is created now, its card
 * sent through deps.chat. Claimed by deleting the draft, so two callers never create it twice.
 */
export async function createPendingSale(deps: LinkDeps, userId: string): Promise<void> {
  const [draft] = (await deps
    .knex('sale_drafts')
    .where({ seller_id: userId, state: 'awaiting_wallet' })
    .delete()
    .returning('*')) as DraftRow[];
  if (!draft?.currency) return;
  const sale = saleOf(draft, draft.currency as Currency);
  if (!sale) return;
  const result = await createPaymentLink(
    {
      ...deps,
      chat: {
        send: async (outgoing) => {
          if (outgoing.message.kind === 'link_created')
            await tiePhoto(deps.knex, userId, sale.photoId, paymentCodeOf(outgoing.message.paymentUrl));
          await deps.chat.send(outgoing);
        },
        isBoundUser: (id) => deps.chat.isBoundUser(id),
        displayName: (id) => deps.chat.displayName(id),
      },
    },
    userId,
    {
      name: sale.name,
      unitPriceMinor: sale.unitPriceMinor,
      quantity: sale.quantity,
      currency: sale.currency,
      description: sale.description,
      hasPhoto: sale.photoId !== null,
      variant: 'full',
    },
  );
  if (result.status === 'wallet_activation_required') {
    // Not active after all (a race with an invalidation): keep the sale waiting.
    await deps
      .knex('sale_drafts')
      .insert({ ...draft })
      .onConflict('seller_id')
      .ignore();
  }
}

function paymentCodeOf(paymentUrl: string): string {
  return paymentUrl.split('/').pop()!.split('?')[0]!;
}

export async function tiePhoto(knex: Knex, sellerId: string, photoId: string | number | null | undefined, paymentCode: string) {
  if (photoId === null || photoId === undefined) return;
  await knex('product_photos')
    .where({ id: photoId, seller_id: sellerId })
    .update({ transaction_code: transactionCode(paymentCode) });
}

export function saleOf(draft: DraftRow, currency: Currency) {
  const unitPriceMinor = Number(draft.unit_price) * 10 ** minorDigits(currency);
  if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor * draft.quantity > MAX_AMOUNT_MINOR) return undefined;
  return {
    name: draft.product_name,
    unitPriceMinor,
    quantity: draft.quantity,
    currency,
    ...(draft.description ? { description: draft.description } : {}),
    photoId: draft.photo_id,
  };
}
