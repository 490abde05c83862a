import { ConfigError } from '../../src/config/env';
import { loadSettings } from '../../src/config/settings';

/** A wrong or missing setting stops the process with a message naming the variable. */
describe('settings', () => {
  const refusal = (env: Record<string, string>) => {
    try {
      loadSettings(env);
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it.each([
    [{ API_PORT: 'eighty' }, 'API_PORT', 'must be an integer'],
    [{ API_PORT: '70000' }, 'API_PORT', 'between 0 and 65535'],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS', 'host:port'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', 'postgres:'],
    [{ DECISION_WINDOW_MS: '0' }, 'DECISION_WINDOW_MS', 'between 1'],
    [{ LINK_SECRET: 'short' }, 'LINK_SECRET', 'at least 32 bytes'],
    [{ NODE_ENV: 'production' }, 'PUBLIC_BASE_URL', 'required in production'],
    [{ LIMIT_POLICY: '{not json' }, 'LIMIT_POLICY', 'is not JSON'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY', 'hop count'],
    [{ RATE_LIMIT_OTP_MAX: '0' }, 'RATE_LIMIT_OTP_MAX', 'between 1'],
    [{ LINE_API_TIMEOUT_MS: '0' }, 'LINE_API_TIMEOUT_MS', 'between 1'],
    [{ PAYMENT_TIMEOUT_MS: 'soon' }, 'PAYMENT_TIMEOUT_MS', 'must be an integer'],
    [{ ID_TOKEN_REFUSAL_CACHE_MS: '-1' }, 'ID_TOKEN_REFUSAL_CACHE_MS', 'between 0'],
    [{ CODEC_OPERATOR_TOKENS: 'an-operator-token-0123456789-0123456789' }, 'CODEC_OPERATOR_TOKENS', 'no longer read'],
    [{ SUPPORT_TOKENS: 'tok:amy:agent' }, 'SUPPORT_TOKENS', 'no longer read'],
    [{ LIFF_ID: '1650000000-short' }, 'LIFF_ID', 'must look like'],
    [{ LINE_CHANNEL_ID: '1650000000', LIFF_ID: '1234567890-AbCdEfGh' }, 'LIFF_ID', 'LIFF app of LINE_CHANNEL_ID (1650000000-…)'],
    [{ OIDC_ISSUER_URL: 'ftp://login.example' }, 'OIDC_ISSUER_URL', 'must use'],
    [{ OIDC_ISSUER_URL: 'https://login.example/?tenant=1' }, 'OIDC_ISSUER_URL', 'without a query'],
    [{ OIDC_ROLES_CLAIM: 'roles claim' }, 'OIDC_ROLES_CLAIM', 'claim name'],
  ])('%j is refused naming %s', (env, variable, reason) => {
    const err = refusal(env);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as Error).message).toContain(variable);
    expect((err as Error).message).toContain(reason);
  });

  it('defaults are usable for local development, and durations come from the environment', () => {
    const settings = loadSettings({ DECISION_WINDOW_MS: '2500' });
    expect(settings.durations.decisionWindowMs).toBe(2500);
    expect(settings.secrets.linkSecret.length).toBeGreaterThanOrEqual(32);
  });
});
