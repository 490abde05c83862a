/** Our port to the bank verification center; only base URL and key differ from production. */
import { createJsonApi, type ProviderClientOptions } from '../payment/provider-client';
import { signedEventParser, type WebhookCheckOptions } from '../payment/webhook';
import {
  bankCenterEventSchema,
  verificationAcceptedSchema,
  verificationSchema,
  type BankCenterEvent,
  type Verification,
  type VerificationAccepted,
  type VerificationInput,
} from './contract';
import { BankCenterRefused, BankCenterUnavailable } from './errors';

export const BANK_CENTER_SERVICE = 'bank verification center';

export interface BankCenter {
  startVerification(input: VerificationInput, idempotencyKey: string): Promise<VerificationAccepted>;
  getVerification(id: string): Promise<Verification>;
}

export function createBankCenter(options: ProviderClientOptions): BankCenter {
  const api = createJsonApi({ service: BANK_CENTER_SERVICE, Refused: BankCenterRefused, Unavailable: BankCenterUnavailable }, options);
  return {
    startVerification: (input, idempotencyKey) =>
      api({ method: 'POST', path: '/v1/verifications', body: input, idempotencyKey, responseSchema: verificationAcceptedSchema }),
    getVerification: (id) =>
      api({ method: 'GET', path: `/v1/verifications/${encodeURIComponent(id)}`, responseSchema: verificationSchema }),
  };
}

/** Verifies `X-Signature` and the event shape; throws `InvalidWebhook` otherwise. */
export const parseBankCenterEvent: (
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
  options?: WebhookCheckOptions,
) => BankCenterEvent = signedEventParser(bankCenterEventSchema);
