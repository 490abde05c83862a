import type { Knex } from 'knex';

/**
 * S204 when our own parts fail: the decision a buyer took is written here first (PostgreSQL is
 * what acknowledged the tap), then relayed to the workflow. If the relay only succeeds after the
 * decision window closed, the window's end still finds the decision taken in time.
 */
export interface DecisionIntent {
  sourceId: string;
  paymentCode: string;
  buyerId: string;
  decision: 'agree' | 'dispute';
  reason?: string;
  decidedAt: Date;
}

export async function recordDecisionIntent(knex: Knex, intent: DecisionIntent): Promise<void> {
  await knex('decision_intents')
    .insert({
      source_id: intent.sourceId,
      payment_code: intent.paymentCode,
      buyer_id: intent.buyerId,
      decision: intent.decision,
      reason: intent.reason ?? null,
      decided_at: intent.decidedAt,
    })
    .onConflict('source_id')
    .ignore();
}

/** The first decision the buyer took on or before the deadline, if any reached us. */
export async function decisionTakenInTime(
  knex: Knex,
  paymentCode: string,
  buyerId: string,
  deadline: Date,
): Promise<Omit<DecisionIntent, 'sourceId' | 'paymentCode'> | undefined> {
  const row = await knex('decision_intents')
    .where({ payment_code: paymentCode, buyer_id: buyerId })
    .andWhere('decided_at', '<=', deadline)
    .orderBy('decided_at', 'asc')
    .first('buyer_id', 'decision', 'reason', 'decided_at');
  if (!row) return undefined;
  return { buyerId: row.buyer_id, decision: row.decision, reason: row.reason ?? undefined, decidedAt: new Date(row.decided_at) };
}
