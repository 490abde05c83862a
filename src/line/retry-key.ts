import { createHash } from 'node:crypto';

/**
 * Namespace for our name-based UUIDs, so the same (workflowId, step) never collides with a UUID
 * minted elsewhere from the same string. Any fixed UUID works; this one is ours alone.
 */
const RETRY_KEY_NAMESPACE = '6f1c1f9e-4f5b-4c1e-9a57-2d0b5f3c8e21';

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name). */
export function uuidV5(name: string, namespace: string = RETRY_KEY_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * X-Line-Retry-Key for one push of one workflow step. Deterministic, so an activity retried by
 * Temporal sends the same key and LINE answers 409 instead of delivering twice.
 */
export function retryKeyFor(workflowId: string, step: string): string {
  return uuidV5(`${workflowId}:${step}`);
}

/** Key for the n-th request when one logical push had to be split into several requests. */
export function batchRetryKey(retryKey: string, batchIndex: number): string {
  return batchIndex === 0 ? retryKey : uuidV5(`${retryKey}#${batchIndex}`);
}
