/**
 * Our port to the SMS provider: Vonage's Messages API, SMS channel (`POST /v1/messages`, HTTP
 * Basic with the account's API key and secret, `202 {message_uuid}`, RFC 7807 refusals). Only
 * SMS_BASE_URL and the credentials differ between the development emulator and production.
 *
 * No retries here: the API takes no idempotency key, so a retried request after a timeout could
 * deliver a second text. The caller says "try again" to the person instead, who then gets a
 * fresh code.
 */
import { z } from 'zod';
import { createJsonApi, type FetchLike } from '../payment/provider-client';
import { SmsRefused, SmsUnavailable } from './errors';

export const SMS_SERVICE = 'SMS provider';
/** The API's limit on `client_ref`. */
export const SMS_REFERENCE_MAX_CHARS = 100;

export interface SmsClientOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** `from`: an alphanumeric sender id (at most 11 characters) or a number. */
  sender: string;
  timeoutMs?: number;
  fetchImpl?: FetchLike;
}

export interface SmsMessage {
  /** E.164 with its +, as src/crypto normalisePhone gives it. */
  toE164: string;
  text: string;
  /** Ours (e.g. the verification id), kept by the provider with the message. */
  reference: string;
}

export interface SmsSender {
  /** Resolves when the provider accepted the message; delivery to the handset follows later. */
  send(message: SmsMessage): Promise<{ messageId: string }>;
}

const acceptedSchema = z.object({ message_uuid: z.string().uuid() });

export function createSmsSender(options: SmsClientOptions): SmsSender {
  const basic = Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64');
  const api = createJsonApi(
    { service: SMS_SERVICE, Refused: SmsRefused, Unavailable: SmsUnavailable },
    {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      authorization: `Basic ${basic}`,
      timeoutMs: options.timeoutMs,
      fetchImpl: options.fetchImpl,
    },
  );
  return {
    async send(message) {
      if (message.reference.length > SMS_REFERENCE_MAX_CHARS)
        throw new RangeError(`SMS reference longer than ${SMS_REFERENCE_MAX_CHARS} characters`);
      const accepted = await api({
        method: 'POST',
        path: '/v1/messages',
        body: {
          message_type: 'text',
          channel: 'sms',
          // The API wants E.164 digits without the +.
          to: message.toE164.replace(/^\+/, ''),
          from: options.sender,
          text: message.text,
          client_ref: message.reference,
        },
        responseSchema: acceptedSchema,
      });
      return { messageId: accepted.message_uuid };
    },
  };
}
