export { createLedger, type Ledger, type LedgerOptions } from './ledger';
export { AUTO_BATCH_MAX_IN_FLIGHT, AUTO_BATCH_MAX_ITEMS } from './batcher';
export type { CreateAccountItemResult } from './accounts';
export type { CreateTransferItemResult } from './transfers';
export * from './errors';
export * from './types';
