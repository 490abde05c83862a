import { ConfigError } from '../../src/config/env';
import { loadSettings } from '../../src/config/settings';
import { INBOX_DEFAULTS, inboxOptionsFrom } from '../../src/line/webhook/processor';

/** LINE_INBOX_* settings: checked at start, named in refusals, and what the inbox processor runs with. */
describe('LINE inbox settings', () => {
  const refusal = (env: Record<string, string>) => {
    try {
      loadSettings(env);
    } catch (err) {
      return err as ConfigError;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    [{ LINE_INBOX_RETRY_HORIZON_MS: 'a week' }, 'LINE_INBOX_RETRY_HORIZON_MS', 'must be an integer'],
    [{ LINE_INBOX_RETRY_HORIZON_MS: '0' }, 'LINE_INBOX_RETRY_HORIZON_MS', 'between 1'],
    [{ LINE_INBOX_RETRY_MAX_MS: '7200000' }, 'LINE_INBOX_RETRY_MAX_MS', 'between 1 and 3600000'],
    [{ LINE_INBOX_MAX_FAILED_ATTEMPTS: '0' }, 'LINE_INBOX_MAX_FAILED_ATTEMPTS', 'between 1'],
    // Shorter than an hour would forget events LINE may still redeliver.
    [{ LINE_INBOX_RETENTION_MS: '60000' }, 'LINE_INBOX_RETENTION_MS', 'between 3600000'],
  ])('%j is refused naming %s', (env, variable, reason) => {
    const err = refusal(env);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(reason);
  });

  it('defaults: days of transport retries, a few tries for a poisoned event, a month of retention', () => {
    const options = { ...INBOX_DEFAULTS, ...inboxOptionsFrom(loadSettings({})) };
    expect(options).toMatchObject({ retryHorizonMs: 7 * 86_400_000, retryMaxMs: 60_000, maxAttempts: 5, retentionMs: 30 * 86_400_000 });
  });

  it('the processor runs with what the environment says', () => {
    const settings = loadSettings({
      LINE_INBOX_RETRY_HORIZON_MS: '172800000',
      LINE_INBOX_RETRY_MAX_MS: '300000',
      LINE_INBOX_MAX_FAILED_ATTEMPTS: '3',
      LINE_INBOX_RETENTION_MS: '604800000',
    });
    expect(inboxOptionsFrom(settings)).toEqual({
      retryHorizonMs: 172_800_000,
      retryMaxMs: 300_000,
      maxAttempts: 3,
      retentionMs: 604_800_000,
    });
  });
});
