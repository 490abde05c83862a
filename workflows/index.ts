/** Every workflow the worker registers. */
export { orderWorkflow } from './order';
export { walletActivationWorkflow } from './wallet-activation';
export { quickReceiveWorkflow } from './quick-receive';
export { payoutWorkflow } from './payout';
export { helloWorkflow } from './hello';
export { reconciliationWorkflow } from './reconciliation';
export { auditChainWorkflow } from './audit-chain';
