import { ProviderRefused, ProviderUnavailable } from '../payment/provider-errors';

/** 4xx from the SMS provider: this number or this request will not be accepted as it is. */
export class SmsRefused extends ProviderRefused {}
/** 5xx, 429, timeout or network: the text was (most likely) not sent; the person may try again. */
export class SmsUnavailable extends ProviderUnavailable {}
