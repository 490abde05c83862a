import { ProviderRefused, ProviderUnavailable } from '../payment/provider-errors';

/** 4xx from the verification center: do not retry the same request. */
export class BankCenterRefused extends ProviderRefused {}
/** 5xx, 429, timeout or network: retry later with the same idempotency key. */
export class BankCenterUnavailable extends ProviderUnavailable {}
