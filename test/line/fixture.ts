import { createLineAdapter, LineAdapterOptions } from '../../src/line';
import { EMULATOR_DEFAULTS, LineEmulatorOptions, newUserId, RunningLineEmulator, startLineEmulator } from '../../src/emulators/line';

/** A running emulator with one friend and one non-friend, and an adapter pointed at it. */
export interface LineFixture {
  emulator: RunningLineEmulator;
  friend: string;
  stranger: string;
  adapter(options?: Partial<LineAdapterOptions>): ReturnType<typeof createLineAdapter>;
}

/** Backoff short enough for tests; the policy shape is what is under test, not wall time. */
export const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

export async function startFixture(options: LineEmulatorOptions = {}): Promise<LineFixture> {
  const emulator = await startLineEmulator(options);
  const friend = newUserId();
  const stranger = newUserId();
  emulator.state.addUser({ userId: friend, displayName: 'Buyer Bao', language: 'zh-TW' });
  emulator.state.addUser({ userId: stranger, displayName: 'Stranger', friend: false });
  return {
    emulator,
    friend,
    stranger,
    adapter: (overrides = {}) =>
      createLineAdapter({
        channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
        apiBaseUrl: emulator.baseUrl,
        retry: FAST_RETRY,
        ...overrides,
      }),
  };
}
