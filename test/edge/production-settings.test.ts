import { developmentKey } from '../../src/crypto/key-ring';
import { ConfigError } from '../../src/config/env';
import { loadSettings } from '../../src/config/settings';
import { PRODUCTION_SECRETS, productionEnv } from './production-env';

/**
 * Finding 1: production refuses to start without each secret, with a development value, or
 * with a secret shorter than 32 bytes; the error names the variable and never shows the value.
 */
const refusal = (env: Record<string, string | undefined>): ConfigError => {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('the settings were accepted');
};

/** The development values the code used to fall back to, and the shared development secret. */
const DEV_SECRET = 'development-only-secret-change-me-please';
const DEVELOPMENT_VALUES: Record<string, string> = {
  LINE_CHANNEL_SECRET: 'emulator-channel-secret',
  LINE_LOGIN_CHANNEL_SECRET: 'emulator-login-channel-secret',
  LINE_CHANNEL_ACCESS_TOKEN: 'emulator-channel-access-token',
  PAYMENT_API_KEY: 'emulator-payment-key',
  PAYMENT_WEBHOOK_SECRET: 'emulator-payment-webhook-secret',
  BANKCENTER_API_KEY: 'emulator-bankcenter-key',
  BANKCENTER_WEBHOOK_SECRET: 'emulator-bankcenter-webhook-secret',
  PAYOUT_API_KEY: 'emulator-payout-key',
  PAYOUT_WEBHOOK_SECRET: 'emulator-payout-webhook-secret',
  LINK_SECRET: `${DEV_SECRET}:LINK_SECRET`,
  HASH_SECRET: `${DEV_SECRET}:HASH_SECRET`,
};

type Case = [string, string, string | undefined];
const cases: Case[] = [];
for (const name of [
  ...PRODUCTION_SECRETS,
  'OIDC_ISSUER_URL',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_AUDIENCE',
  'FIELD_KEYS',
  'PAYLOAD_KEYS',
  'LINE_CHANNEL_ID',
  'PUBLIC_BASE_URL',
]) {
  cases.push([`${name} missing`, name, undefined], [`${name} blank`, name, '   ']);
}
for (const name of PRODUCTION_SECRETS) {
  cases.push(
    [`${name} is its development default`, name, DEVELOPMENT_VALUES[name]],
    [`${name} is a long emulator value`, name, `emulator-${name.toLowerCase()}-padded-to-be-long-enough-0123456789`],
    [`${name} is the development secret`, name, `${DEV_SECRET}:${name}`],
    [`${name} is 31 bytes`, name, 'x7Qm2Vb9Lk4Rt8Wp1Zc6Hn3Jd5Fg0Sa'],
    [`${name} is 31 bytes of multi-byte text`, name, `${'秘'.repeat(10)}x`],
  );
}
const longToken = 'Tq8Vn3Lm1Xz7Rb5Kc2Wj9Hd4Fs6Gp0Ya';
cases.push(
  // Static staff and operator tokens are gone: production accepts none, even long random ones.
  ['SUPPORT_TOKENS set at all', 'SUPPORT_TOKENS', `${longToken}:amy:agent`],
  ['CODEC_OPERATOR_TOKENS set at all', 'CODEC_OPERATOR_TOKENS', longToken],
  ['OIDC_ISSUER_URL over http', 'OIDC_ISSUER_URL', 'http://login.escrow.example/'],
  ["OIDC_CLIENT_SECRET is the emulator's", 'OIDC_CLIENT_SECRET', 'emulator-oidc-client-secret-padded-0123456789'],
  ['FIELD_KEYS is the development ring', 'FIELD_KEYS', `dev:${developmentKey('FIELD_KEYS').toString('base64')}`],
  ['FIELD_KEYS holds the payload development key', 'FIELD_KEYS', `k9:${developmentKey('PAYLOAD_KEYS').toString('base64')}`],
  ['PAYLOAD_KEYS is the development ring', 'PAYLOAD_KEYS', `dev:${developmentKey('PAYLOAD_KEYS').toString('base64')}`],
  ['PAYLOAD_KEYS has a short key', 'PAYLOAD_KEYS', 'k1:c2hvcnQtYnV0LXNlY3JldC1rZXk='],
  ['PAYLOAD_KEYS entry without an id', 'PAYLOAD_KEYS', 'c2hvcnQtYnV0LXNlY3JldC1rZXk'],
);

describe('production settings', () => {
  it('a complete production environment loads, and every secret is the one given', () => {
    const env = productionEnv();
    const settings = loadSettings(env);
    expect(settings.production).toBe(true);
    expect(settings.line.channelSecret).toBe(env.LINE_CHANNEL_SECRET);
    expect(settings.line.loginChannelSecret).toBe(env.LINE_LOGIN_CHANNEL_SECRET);
    expect(settings.line.channelAccessToken).toBe(env.LINE_CHANNEL_ACCESS_TOKEN);
    expect(settings.payments).toMatchObject({ apiKey: env.PAYMENT_API_KEY, webhookSecret: env.PAYMENT_WEBHOOK_SECRET });
    expect(settings.bankCenter).toMatchObject({ apiKey: env.BANKCENTER_API_KEY, webhookSecret: env.BANKCENTER_WEBHOOK_SECRET });
    expect(settings.payouts).toMatchObject({ apiKey: env.PAYOUT_API_KEY, webhookSecret: env.PAYOUT_WEBHOOK_SECRET });
    expect(settings.secrets).toEqual({ linkSecret: env.LINK_SECRET, hashSecret: env.HASH_SECRET });
    expect(settings.staffIdentity).toMatchObject({
      issuerUrl: env.OIDC_ISSUER_URL,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      audience: env.OIDC_AUDIENCE,
      codecAudience: env.OIDC_AUDIENCE,
    });
    expect(settings.keys.field.activeKeyId).toBe('k1');
    expect(settings.keys.payload.activeKeyId).toBe('k1');
  });

  it.each(cases)('%s: refused, naming %s, without its value', (_what, variable, value) => {
    const env: Record<string, string | undefined> = { ...productionEnv(), [variable]: value };
    const err = refusal(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
    if (value !== undefined && value.trim() !== '') {
      for (const part of value.split(/[,:]/).filter((p) => p.length >= 6 && p !== variable)) expect(err.message).not.toContain(part);
    }
  });

  it('a Temporal off this machine needs TEMPORAL_TLS said out loud: on, off, or implied by a TLS file or an API key', () => {
    const remote = { ...productionEnv(), TEMPORAL_ADDRESS: 'temporal.internal:7233' };
    const err = refusal(remote);
    expect(err.variable).toBe('TEMPORAL_TLS');
    expect(err.message).toMatch(/TEMPORAL_ADDRESS is not on this machine/);
    expect(loadSettings({ ...remote, TEMPORAL_TLS: 'on' }).temporalConnection).toEqual({ tls: {} });
    // A private network the operator vouches for (the compose stack's): plaintext, chosen.
    expect(loadSettings({ ...remote, TEMPORAL_TLS: 'off' }).temporalConnection).toEqual({});
    expect(loadSettings({ ...remote, TEMPORAL_API_KEY: 'cloud-issued-key' }).temporalConnection).toEqual({
      tls: {},
      apiKey: 'cloud-issued-key',
    });
    for (const loopback of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233', '127.0.0.53:7233']) {
      expect(loadSettings({ ...productionEnv(), TEMPORAL_ADDRESS: loopback }).temporalConnection).toEqual({});
    }
  });

  it('outside production the development defaults still work', () => {
    const settings = loadSettings({});
    expect(settings.production).toBe(false);
    expect(settings.line.channelSecret).toBe('emulator-channel-secret');
    expect(settings.keys.field.activeKeyId).toBe('dev');
  });
});

/** Malformed non-secret settings are described without their value (a database URL holds a password). */
describe('setting errors never echo the value', () => {
  it.each([
    ['DATABASE_URL', 'postgres//escrow:hunter2-db-password@db:5432/escrow', 'hunter2-db-password'],
    ['DATABASE_URL', 'mysql://escrow:hunter2-db-password@db/escrow', 'hunter2-db-password'],
    ['PUBLIC_BASE_URL', 'ftp://user:hunter2-url-password@example', 'hunter2-url-password'],
    ['TEMPORAL_ADDRESS', 'hunter2-secret-host', 'hunter2-secret-host'],
    ['API_PORT', 'hunter2port', 'hunter2port'],
    ['API_PORT', '9999999', '9999999'],
    ['LINE_API_BASE_URL', 'not a url hunter2-line', 'hunter2-line'],
  ])('%s=%s', (variable, value, secretPart) => {
    const err = refusal({ [variable]: value });
    expect(err.variable).toBe(variable);
    expect(err.message).not.toContain(secretPart);
  });
});
