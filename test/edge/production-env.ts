import { randomBytes } from 'node:crypto';

/**
 * A complete production environment with fresh random secrets: every variable production
 * requires, none of them a development value. Tests take one away or spoil one at a time.
 */
const secret = () => randomBytes(32).toString('base64url');
const ring = () => `k1:${randomBytes(32).toString('base64')}`;

export const PRODUCTION_SECRETS = [
  'LINE_CHANNEL_SECRET',
  'LINE_LOGIN_CHANNEL_SECRET',
  'LINE_CHANNEL_ACCESS_TOKEN',
  'PAYMENT_API_KEY',
  'PAYMENT_WEBHOOK_SECRET',
  'BANKCENTER_API_KEY',
  'BANKCENTER_WEBHOOK_SECRET',
  'PAYOUT_API_KEY',
  'PAYOUT_WEBHOOK_SECRET',
  'LINK_SECRET',
  'HASH_SECRET',
] as const;

export function productionEnv(): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://escrow:db-password-not-for-logs@127.0.0.1:5432/escrow',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    PUBLIC_BASE_URL: 'https://escrow.example',
    LINE_CHANNEL_ID: '2000000001',
    PAYMENT_BASE_URL: 'https://payments.example',
    BANKCENTER_BASE_URL: 'https://bankcenter.example',
    PAYOUT_BASE_URL: 'https://payouts.example',
    SMS_BASE_URL: 'https://api.nexmo.com',
    SMS_API_KEY: 'a1b2c3d4',
    SMS_API_SECRET: secret(),
    OIDC_ISSUER_URL: 'https://login.escrow.example/',
    OIDC_CLIENT_ID: 'escrow-console',
    OIDC_CLIENT_SECRET: secret(),
    OIDC_AUDIENCE: 'https://escrow.example/api',
    FIELD_KEYS: ring(),
    PAYLOAD_KEYS: ring(),
  };
  for (const name of PRODUCTION_SECRETS) env[name] = secret();
  return env;
}
