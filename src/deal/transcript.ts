import type { Knex } from 'knex';
import type { DealMessage, DealMessageKind } from '../chat/messages';
import { decryptField, type KeyRing } from '../crypto';
import { orderWorkflowId, transactionCode } from '../domain/ids';
import type { Language } from '../line/render';
import { seenMessage, type SeenMessage } from '../support-console/seen';

/**
 * A deal's transcript: every message our official account sent for one deal, as recorded in
 * `chat_deliveries` (sealed with the field key ring). The support console's deal page reads it
 * whole (each message as its recipient saw it); the parties read their own cut of it (S203:
 * "transaction info … chat screenshot"), rendered in the reader's language.
 */
export interface DealDelivery {
  sentAt: string;
  to: string;
  kind: string;
  status: 'delivered' | 'undeliverable';
  /** Absent for rows from before messages were kept (migration 0023). */
  message?: DealMessage;
}

/**
 * The deal's deliveries in the order they were sent. The deal's own messages, its support
 * messages and evidence requests are all keyed under the order workflow's id
 * (`order:<code>:…`); the OTP (`<code>:otp:…`) and the link card are not in this cut.
 */
export async function readDealDeliveries(knex: Knex, ring: KeyRing, paymentCode: string): Promise<DealDelivery[]> {
  const rows = await knex('chat_deliveries')
    .where('retry_key', 'like', `${orderWorkflowId(paymentCode)}:%`)
    .orderBy('sent_at')
    .orderBy('retry_key') // the same instant (one activity sends both parties' copies): a stable order
    .select('to_user_id', 'kind', 'sent_at', 'status', 'message_ciphertext');
  return rows.map((d) => ({
    sentAt: new Date(d.sent_at).toISOString(),
    to: d.to_user_id,
    kind: d.kind,
    status: d.status,
    ...(d.message_ciphertext ? { message: JSON.parse(decryptField(ring, d.message_ciphertext)) as DealMessage } : {}),
  }));
}

/**
 * What both parties may read whatever its recipient: the deal's own milestones, which each of
 * them receives a copy of anyway. Every other kind is shown to its recipient only, so a kind
 * added later stays private until someone decides otherwise here. Private ones include the
 * buyer's payment info (the ATM account the provider issued is the buyer's, as in the order
 * view), payment failures, the buyer's binding and watch-list answers, and support's words to
 * one party (support talks to each party on their own).
 */
const SHARED_KINDS: ReadonlySet<DealMessageKind> = new Set<DealMessageKind>([
  'stage_one',
  'decision_extended',
  'dispute_opened',
  'dispute_escalated',
  'deal_parked',
  'order_cancelled',
  'order_expired',
  'link_expired',
  'stage_two',
  'transaction_result',
]);

/**
 * Never in a party's transcript: `attribution_error` tells the seller the display name of
 * SOMEONE ELSE who tried to take the code (S106) — a third party's data, which the buyer must
 * not see and which a screenshot of the deal should not carry either.
 */
const THIRD_PARTY_KINDS: ReadonlySet<string> = new Set<DealMessageKind>(['attribution_error']);

export interface TranscriptEntry extends SeenMessage {
  sentAt: string;
  /** Whom it was sent to, by role; never a platform id. */
  to: 'buyer' | 'seller';
  /** Sent to the reader themselves. */
  you: boolean;
  kind: string;
}

export interface PartyTranscript {
  paymentCode: string;
  transactionCode: string;
  viewer: 'buyer' | 'seller';
  language: Language;
  messages: TranscriptEntry[];
}

/**
 * The transcript one party of the deal may read, rendered in the reader's language with codes
 * hidden (seenMessage). Left out: messages to anyone but the two parties (refused buyers,
 * watch-listed ones: other people's conversations), third-party kinds, the other party's
 * private kinds, rows without a kept message, and messages LINE refused (`undeliverable`):
 * nobody saw those, and a record of what was said must not show what never arrived.
 * Images keep only our own pictures (under `publicBaseUrl`, as root-relative paths, so the page
 * loads them from its own origin under its CSP); anything else is dropped.
 */
export function partyTranscript(
  deliveries: DealDelivery[],
  deal: { paymentCode: string; sellerId: string; buyerId: string | null },
  reader: { userId: string; language: Language },
  publicBaseUrl: string,
): PartyTranscript {
  const roleOf = (userId: string): 'buyer' | 'seller' | undefined =>
    userId === deal.sellerId ? 'seller' : deal.buyerId !== null && userId === deal.buyerId ? 'buyer' : undefined;
  const viewer = roleOf(reader.userId);
  if (viewer === undefined) throw new Error('partyTranscript: the reader is not a party of this deal');
  const messages: TranscriptEntry[] = [];
  for (const d of deliveries) {
    const to = roleOf(d.to);
    if (to === undefined || d.status !== 'delivered' || !d.message || THIRD_PARTY_KINDS.has(d.kind)) continue;
    const you = d.to === reader.userId;
    if (!you && !SHARED_KINDS.has(d.message.kind)) continue;
    const seen = seenMessage(d.message, reader.language);
    messages.push({ sentAt: d.sentAt, to, you, kind: d.kind, ...seen, images: ownImages(seen.images, publicBaseUrl) });
  }
  return { paymentCode: deal.paymentCode, transactionCode: transactionCode(deal.paymentCode), viewer, language: reader.language, messages };
}

function ownImages(urls: string[], publicBaseUrl: string): string[] {
  const origin = new URL(publicBaseUrl).origin;
  const own: string[] = [];
  for (const raw of urls) {
    try {
      const url = new URL(raw, origin);
      if (url.origin === origin && url.pathname.startsWith('/media/')) own.push(`${url.pathname}${url.search}`);
    } catch {
      // not a URL: nothing to show
    }
  }
  return own;
}
