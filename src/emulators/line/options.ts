/** How an emulated LINE platform is set up. Every field has a local-dev default. */
export interface LineEmulatorOptions {
  /** Channel access token(s) the Messaging API accepts as Bearer. */
  channelAccessToken?: string | string[];
  /** Messaging API channel secret: signs the webhooks the emulator sends. */
  channelSecret?: string;
  /** The bot's own user id (webhook `destination`, GET /v2/bot/info). */
  botUserId?: string;
  botDisplayName?: string;
  /** LINE Login channel: client_id of authorize/token/verify and `aud` of ID tokens. */
  loginChannelId?: string;
  /** LINE Login channel secret: client_secret, and the HS256 key of ID tokens. */
  loginChannelSecret?: string;
  /** Push requests admitted per second; LINE's documented limit is 2,000. */
  pushRatePerSecond?: number;
  /** Accept http:// media URLs on loopback (local dev serves images that way); real LINE never does. */
  allowLoopbackHttpMedia?: boolean;
  /** Where POST /__emulator/webhook delivers events (the product's webhook route). */
  webhookUrl?: string;
  /** Clock for tests that need to age reply tokens, retry keys or ID tokens. */
  now?: () => number;
}

export type ResolvedOptions = Required<Omit<LineEmulatorOptions, 'channelAccessToken' | 'webhookUrl'>> & {
  channelAccessTokens: string[];
  webhookUrl?: string;
};

export const EMULATOR_DEFAULTS = {
  channelAccessToken: 'emulator-channel-access-token',
  channelSecret: 'emulator-channel-secret',
  botUserId: 'U' + '0'.repeat(31) + '1',
  botDisplayName: 'Escrow (emulated)',
  loginChannelId: '1650000000',
  loginChannelSecret: 'emulator-login-channel-secret',
  pushRatePerSecond: 2000,
  allowLoopbackHttpMedia: true,
} as const;

export function resolveOptions(options: LineEmulatorOptions): ResolvedOptions {
  const tokens = options.channelAccessToken ?? EMULATOR_DEFAULTS.channelAccessToken;
  return {
    channelAccessTokens: Array.isArray(tokens) ? tokens : [tokens],
    channelSecret: options.channelSecret ?? EMULATOR_DEFAULTS.channelSecret,
    botUserId: options.botUserId ?? EMULATOR_DEFAULTS.botUserId,
    botDisplayName: options.botDisplayName ?? EMULATOR_DEFAULTS.botDisplayName,
    loginChannelId: options.loginChannelId ?? EMULATOR_DEFAULTS.loginChannelId,
    loginChannelSecret: options.loginChannelSecret ?? EMULATOR_DEFAULTS.loginChannelSecret,
    pushRatePerSecond: options.pushRatePerSecond ?? EMULATOR_DEFAULTS.pushRatePerSecond,
    allowLoopbackHttpMedia: options.allowLoopbackHttpMedia ?? EMULATOR_DEFAULTS.allowLoopbackHttpMedia,
    webhookUrl: options.webhookUrl,
    now: options.now ?? Date.now,
  };
}
