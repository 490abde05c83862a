import type { Knex } from 'knex';
import { appendAudit } from '../../audit';
import type { StaffMember } from '../staff-auth';

/**
 * What support staff see and do is in the audit chain under `support:<subject of their token>`.
 * Views of personal data (queues that name users, an order's parties and messages) are recorded
 * before the answer leaves: no record, no data.
 */
export const supportActor = (staff: StaffMember) => `support:${staff.staffId}`;

export async function auditSupportView(
  knex: Knex,
  staff: StaffMember,
  subject: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await appendAudit(knex, { actor: supportActor(staff), action: 'support.viewed', subject, details: { ...details, via: staff.via } });
}

export async function auditSupportAction(
  knex: Knex,
  staff: StaffMember,
  action: string,
  subject: string,
  details: Record<string, unknown>,
): Promise<void> {
  await appendAudit(knex, { actor: supportActor(staff), action, subject, details: { ...details, via: staff.via } });
}
