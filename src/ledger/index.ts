export { createLedger, type Ledger } from './ledger';
export type { CreateAccountItemResult } from './accounts';
export type { CreateTransferItemResult } from './transfers';
export * from './errors';
export * from './types';
