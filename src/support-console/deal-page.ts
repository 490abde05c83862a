import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { KeyRing } from '../crypto';
import { listEvidence, type EvidenceItem } from '../deal/evidence';
import { readDealDeliveries } from '../deal/transcript';
import { escrowAccountId, orderWorkflowId, transactionCode } from '../domain/ids';
import { isLanguage, DEFAULT_LANGUAGE } from '../line/render';
import { orderViewQuery, type OrderView } from '../../workflows/order-messages';
import { seenMessage, type SeenMessage } from './seen';

/**
 * Everything about one deal a support agent needs on one page: the order and its parties, the
 * timeline of its state changes, every message each party received (as they saw it), the money
 * movements in the ledger, the audit entries, the evidence, and where it is in the Temporal UI.
 */
export interface DealPage {
  order: Record<string, unknown>;
  view?: OrderView;
  parties: Party[];
  timeline: AuditRow[];
  audit: AuditRow[];
  messages: Array<{ sentAt: string; to: string; role: 'buyer' | 'seller' | 'other'; kind: string; status: string; seen?: SeenMessage }>;
  ledger: Array<{
    id: string;
    from: string;
    to: string;
    amountMinor: number;
    currency: string;
    kind: string;
    state: string | null;
    at: string;
  }>;
  evidence: EvidenceItem[];
  temporalUrl: string;
}

interface Party {
  role: 'buyer' | 'seller';
  userId: string;
  displayName: string | null;
  language: string;
  walletState: string | null;
  activeBindings: number;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  details: unknown;
}

export async function readDealPage(
  deps: { knex: Knex; temporal: Client; ring: KeyRing; temporalUiUrl: string; namespace: string },
  paymentCode: string,
): Promise<DealPage | undefined> {
  const { knex } = deps;
  const order = await knex('orders').where({ payment_code: paymentCode }).first();
  if (!order) return undefined;
  const view = await deps.temporal.workflow
    .getHandle(orderWorkflowId(paymentCode))
    .query(orderViewQuery)
    .catch(() => undefined); // a finished and removed workflow: the tables still tell the story

  const partyIds: Array<['buyer' | 'seller', string]> = [['seller', order.seller_id]];
  if (order.buyer_id) partyIds.unshift(['buyer', order.buyer_id]);
  const parties: Party[] = [];
  for (const [role, userId] of partyIds) {
    const user = await knex('users').where({ user_id: userId }).first('display_name', 'language');
    const wallet = await knex('wallets').where({ user_id: userId }).first('state');
    const [{ n }] = await knex('phone_bindings').where({ user_id: userId }).whereNull('cleared_at').count<{ n: string }[]>('* as n');
    parties.push({
      role,
      userId,
      displayName: user?.display_name ?? null,
      language: user?.language ?? DEFAULT_LANGUAGE,
      walletState: wallet?.state ?? null,
      activeBindings: Number(n),
    });
  }

  const audit = (
    await knex('audit_log')
      .whereIn('subject', [paymentCode, `order:${paymentCode}`])
      .orderBy('seq')
      .select('seq', 'at', 'actor', 'action', 'details')
  ).map((r) => ({ id: Number(r.seq), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, details: r.details }));

  // The same transcript the parties read (src/deal/transcript.ts), whole: each message as its recipient saw it.
  const messages = (await readDealDeliveries(knex, deps.ring, paymentCode)).map((d) => {
    const party = parties.find((p) => p.userId === d.to);
    const language = party && isLanguage(party.language) ? party.language : DEFAULT_LANGUAGE;
    return {
      sentAt: d.sentAt,
      to: d.to,
      role: party?.role ?? ('other' as const),
      kind: d.kind,
      status: d.status,
      ...(d.message ? { seen: seenMessage(d.message, language) } : {}),
    };
  });

  const escrow = escrowAccountId(paymentCode);
  const ledger = (
    await knex('ledger_transfers')
      .where('debit_account_id', escrow)
      .orWhere('credit_account_id', escrow)
      .orWhere('id', 'like', `order:${paymentCode}:%`)
      .orderBy('created_at')
      .select('id', 'debit_account_id', 'credit_account_id', 'amount_minor', 'currency', 'kind', 'state', 'created_at')
  ).map((t) => ({
    id: t.id,
    from: t.debit_account_id,
    to: t.credit_account_id,
    amountMinor: Number(t.amount_minor),
    currency: t.currency,
    kind: t.kind,
    state: t.state,
    at: new Date(t.created_at).toISOString(),
  }));

  return {
    order: {
      paymentCode,
      transactionCode: transactionCode(paymentCode),
      state: order.state,
      productName: order.product_name,
      totalMinor: Number(order.total_minor),
      currency: order.currency,
      disputeReason: order.dispute_reason,
      parkReason: order.park_reason,
      sellerPaidMinor: Number(order.seller_paid_minor),
      buyerRefundedMinor: Number(order.buyer_refunded_minor),
      createdAt: new Date(order.created_at).toISOString(),
      updatedAt: new Date(order.updated_at).toISOString(),
    },
    view,
    parties,
    timeline: audit.filter((a) => a.action.startsWith('order.')),
    audit,
    messages,
    ledger,
    evidence: await listEvidence(knex, deps.ring, paymentCode),
    temporalUrl: `${deps.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${orderWorkflowId(paymentCode)}`,
  };
}
