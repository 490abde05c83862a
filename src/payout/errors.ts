import { ProviderRefused, ProviderUnavailable } from '../payment/provider-errors';

/** 4xx from the payout provider: do not retry the same request. */
export class PayoutRefused extends ProviderRefused {}
/** 5xx, 429, timeout or network: retry later with the same idempotency key. */
export class PayoutUnavailable extends ProviderUnavailable {}
