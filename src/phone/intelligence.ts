/**
 * Phone intelligence for S404–S407: is a number an online virtual number? Production plugs in
 * a carrier lookup; the built-in rule knows Taiwan's number plan, where 070 numbers are VoIP
 * and mobile numbers start with 09. Extra prefixes come from VIRTUAL_PHONE_PREFIXES.
 */
export const DEFAULT_VIRTUAL_PREFIXES = ['+88670'];

export function isVirtualNumber(e164: string, extraPrefixes: string[] = []): boolean {
  return [...DEFAULT_VIRTUAL_PREFIXES, ...extraPrefixes].some((p) => e164.startsWith(p));
}

export type PhoneStatus = 'ok' | 'not_bound' | 'multiple_phones' | 'virtual_number';

export interface PhoneBindingRow {
  phone_hash: string;
  is_virtual: boolean;
  bound_at: Date;
  cleared_at: Date | null;
}

/**
 * The attributed buyer must have bound exactly one phone within the binding period. Rows that
 * support cleared are trusted; what remains decides.
 */
export function phoneStatus(rows: PhoneBindingRow[], now: Date, bindingPeriodMs: number): PhoneStatus {
  if (rows.length === 0) return 'not_bound';
  const open = rows.filter((r) => r.cleared_at === null);
  if (open.some((r) => r.is_virtual)) return 'virtual_number';
  const since = now.getTime() - bindingPeriodMs;
  const recent = new Set(open.filter((r) => r.bound_at.getTime() >= since).map((r) => r.phone_hash));
  return recent.size > 1 ? 'multiple_phones' : 'ok';
}
