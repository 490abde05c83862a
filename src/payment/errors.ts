import { ProviderRefused, ProviderUnavailable } from './provider-errors';

/** 4xx from the payment provider: do not retry the same request. `code` is e.g. `idempotency-key-reuse`. */
export class PaymentRefused extends ProviderRefused {}
/** 5xx, 429, timeout or network: retry later with the same idempotency key. */
export class PaymentUnavailable extends ProviderUnavailable {}
