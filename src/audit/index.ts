export { appendAudit, type AuditEntry, type AppendedAudit } from './append';
export { verifyAuditChain, type AuditChainResult } from './verify';
export { auditRowHash, GENESIS_HASH, type AuditRowContent } from './chain';
export { canonicalJson, type JsonValue } from './canonical-json';
