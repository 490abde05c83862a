import { ConfigError } from '../../src/config/env';
import { loadSettings, smsSettings } from '../../src/config/settings';

/** The SMS block of the settings: development runs on the emulator, production needs real credentials. */
describe('SMS and phone-binding settings', () => {
  const refusal = (env: Record<string, string>, production: boolean) => {
    try {
      smsSettings(env, production);
    } catch (err) {
      return err as ConfigError;
    }
    return undefined;
  };
  const real = { SMS_BASE_URL: 'https://api.nexmo.com', SMS_API_KEY: 'a1b2c3d4', SMS_API_SECRET: 'Sup3rS3cretValue' };

  it('development defaults reach the emulator; the binding rules come from the environment', () => {
    const sms = loadSettings({ PHONE_CODE_MAX_ATTEMPTS: '3', PHONE_BINDINGS_PER_WINDOW: '2', PHONE_BINDINGS_WINDOW_MS: '60000' }).sms;
    expect(sms).toMatchObject({ apiKey: 'emulator-sms-key', apiSecret: 'emulator-sms-secret', sender: 'Escrow' });
    expect(sms.phoneVerification).toEqual({
      codeTtlMs: 600_000,
      maxAttempts: 3,
      sendsPerWindow: 5,
      sendWindowMs: 3_600_000,
      bindingsPerWindow: 2,
      bindingsWindowMs: 60_000,
    });
    expect(smsSettings(real, true)).toMatchObject({ baseUrl: real.SMS_BASE_URL, apiKey: real.SMS_API_KEY, apiSecret: real.SMS_API_SECRET });
  });

  it.each([
    [{ ...real, SMS_BASE_URL: '' }, true, 'SMS_BASE_URL', 'required in production'],
    [{ ...real, SMS_API_KEY: '' }, true, 'SMS_API_KEY', 'required in production'],
    [{ ...real, SMS_API_SECRET: 'emulator-sms-secret' }, true, 'SMS_API_SECRET', "must not be the emulator's value"],
    [{ ...real, SMS_BASE_URL: 'ftp://sms.example' }, false, 'SMS_BASE_URL', 'must use http: or https:'],
    [{ SMS_SENDER: 'A sender name that is far too long' }, false, 'SMS_SENDER', 'at most 11'],
    [{ PHONE_CODE_MAX_ATTEMPTS: '0' }, false, 'PHONE_CODE_MAX_ATTEMPTS', 'between 1 and 10'],
    [{ PHONE_BINDINGS_WINDOW_MS: 'a month' }, false, 'PHONE_BINDINGS_WINDOW_MS', 'must be an integer'],
  ])('%j (production: %s) is refused naming %s', (env, production, variable, reason) => {
    const err = refusal(env, production);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.variable).toBe(variable);
    expect(err?.message).toContain(reason);
    // A refused secret is named, never shown.
    expect(err?.message).not.toContain('emulator-sms-secret');
  });
});
