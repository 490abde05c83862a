import { STRINGS } from '../../src/line/render';
import { activateWallet, bindPhone, createLink, eventually, payThroughOtp, type Link, type Party } from '../support/deal-steps';
import { postbackData, seenBy } from './chat-view';
import type { LineDealHarness } from './harness';

/** A seller and a buyer with a deal in escrow, and the buyer's Agree / Dispute buttons as LINE shows them. */
export interface EscrowDeal {
  seller: Party;
  buyer: Party;
  link: Link;
  buttons: { agree: string; dispute: string };
}

export async function dealInEscrow(h: LineDealHarness, product: { name: string; unitPriceMinor: number }): Promise<EscrowDeal> {
  const seller = await h.newUser();
  const buyer = await h.newUser();
  await activateWallet(h, seller);
  await activateWallet(h, buyer);
  await bindPhone(h, buyer);
  const link = await createLink(h, seller, { ...product, quantity: 1, currency: 'TWD' });
  await payThroughOtp(h, buyer, link);
  // Both parties' stage-one cards (the seller's is sent after the buyer's): a test that then
  // changes what LINE does for the seller must not race the seller's card.
  for (const party of [buyer, seller]) {
    await eventually(async () => seenBy(h.line, party.userId).some((m) => m.text.includes(STRINGS['zh-TW'].title.stage_one)));
  }
  const agree = postbackData(seenBy(h.line, buyer.userId), 'agree');
  const dispute = postbackData(seenBy(h.line, buyer.userId), 'dispute');
  if (!agree || !dispute) throw new Error('the stage-one card has no agree/dispute buttons');
  return { seller, buyer, link, buttons: { agree, dispute } };
}
