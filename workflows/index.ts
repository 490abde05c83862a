/** Every workflow the worker registers. */
export { orderWorkflow } from './order';
export { walletActivationWorkflow } from './wallet-activation';
