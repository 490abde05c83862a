import { newEs256Key, type Es256Key } from './jwt';
import { REPLY_TOKEN_TTL_MS, RETRY_KEY_TTL_MS } from './contract';
import { USER_ID_PATTERN, newMessageId, newOpaqueToken, newQuoteToken, newReplyToken } from './ids';

export interface EmulatedUser {
  userId: string;
  displayName: string;
  language?: string;
  pictureUrl?: string;
  statusMessage?: string;
  friend: boolean;
}

export interface EmulatedRichMenu {
  richMenuId: string;
  size: { width: number; height: number };
  selected: boolean;
  name: string;
  chatBarText: string;
  areas: unknown[];
  image?: { contentType: string; body: Buffer };
}

export interface DeliveredMessage {
  id: string;
  quoteToken: string;
  to: string;
  via: 'push' | 'reply';
  requestId: string;
  at: number;
  message: Record<string, unknown>;
}

export interface SentMessageRef {
  id: string;
  quoteToken: string;
}

/**
 * Every push request the emulator answered, 409s and refusals included, so a test can prove
 * that no retry key was ever sent with two different bodies (LINE keeps the first and answers
 * 409 to the rest: a later, different message under the same key is silently lost).
 */
export interface PushAttempt {
  retryKey?: string;
  to: string;
  /** SHA-256 of the request body as received. */
  bodySha256: string;
  status: number;
  at: number;
}

export interface Faults {
  /** The next n Messaging API requests fail with `status` (nothing is recorded). */
  failNext: number;
  status: 500 | 429 | 503;
  /** Sent as Retry-After on injected failures when set. */
  retryAfterSeconds?: number;
  /** Every Messaging API request waits this long before being handled. */
  delayMs: number;
  /** Profile lookups (GET /v2/bot/profile/{userId}) alone wait this long: a slow friendship check. */
  profileDelayMs: number;
  /** The next n pushes are accepted and recorded, then the connection is cut before the answer. */
  loseResponseNext: number;
  dropWebhooks: boolean;
  duplicateWebhooks: boolean;
}

export const NO_FAULTS: Faults = {
  failNext: 0,
  status: 500,
  delayMs: 0,
  profileDelayMs: 0,
  loseResponseNext: 0,
  dropWebhooks: false,
  duplicateWebhooks: false,
};

const AUTHORIZATION_CODE_TTL_MS = 10 * 60 * 1000;
const LOGIN_ACCESS_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const RATE_WINDOW_MS = 1000;

interface AcceptedRetryKey {
  requestId: string;
  sentMessages: SentMessageRef[];
  at: number;
}

interface ReplyToken {
  userId: string;
  issuedAt: number;
  used: boolean;
}

export interface AuthorizationGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  expiresAt: number;
  used: boolean;
}

export interface LoginAccessToken {
  userId: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

/** Everything the emulated platform remembers. Tests drive it directly; routes read and write it. */
export class LineEmulatorState {
  private readonly users = new Map<string, EmulatedUser>();
  private readonly delivered: DeliveredMessage[] = [];
  private readonly retryKeys = new Map<string, AcceptedRetryKey>();
  private readonly pushAttempts: PushAttempt[] = [];
  private readonly replyTokens = new Map<string, ReplyToken>();
  private readonly grants = new Map<string, AuthorizationGrant>();
  private readonly loginTokens = new Map<string, LoginAccessToken>();
  private pushTimes: number[] = [];
  /** What users sent as pictures, by message id (GET /v2/bot/message/{messageId}/content). */
  private readonly contents = new Map<string, { contentType: string; body: Buffer }>();
  faults: Faults = { ...NO_FAULTS };
  /** POST /oauth2/v2.1/verify requests received, answered or refused: what a client's verification costs LINE. */
  idTokenVerifyRequests = 0;

  constructor(readonly now: () => number = Date.now) {}

  // --- rich menus

  private readonly richMenus = new Map<string, EmulatedRichMenu>();
  private readonly userRichMenus = new Map<string, string>();
  defaultRichMenuId: string | undefined;

  addRichMenu(menu: Omit<EmulatedRichMenu, 'image'>): void {
    this.richMenus.set(menu.richMenuId, { ...menu });
  }

  richMenu(richMenuId: string): EmulatedRichMenu | undefined {
    return this.richMenus.get(richMenuId);
  }

  listRichMenus(): EmulatedRichMenu[] {
    return [...this.richMenus.values()];
  }

  deleteRichMenu(richMenuId: string): boolean {
    if (this.defaultRichMenuId === richMenuId) this.defaultRichMenuId = undefined;
    for (const [user, menu] of this.userRichMenus) if (menu === richMenuId) this.userRichMenus.delete(user);
    return this.richMenus.delete(richMenuId);
  }

  linkRichMenu(userId: string, richMenuId: string): void {
    this.userRichMenus.set(userId, richMenuId);
  }

  unlinkRichMenu(userId: string): void {
    this.userRichMenus.delete(userId);
  }

  /** The menu a user sees: their own, else the default (LINE's precedence). */
  richMenuOf(userId: string): string | undefined {
    return this.userRichMenus.get(userId);
  }

  // --- message content (pictures users sent)

  storeContent(messageId: string, contentType: string, body: Buffer): void {
    this.contents.set(messageId, { contentType, body });
  }

  content(messageId: string): { contentType: string; body: Buffer } | undefined {
    return this.contents.get(messageId);
  }

  // --- users and friendship

  addUser(user: { userId: string; displayName: string; language?: string; pictureUrl?: string; friend?: boolean }): EmulatedUser {
    if (!USER_ID_PATTERN.test(user.userId)) throw new Error(`LINE user ids are U + 32 hex digits, got ${user.userId}`);
    const added: EmulatedUser = { ...user, friend: user.friend ?? true };
    this.users.set(user.userId, added);
    return added;
  }

  getUser(userId: string): EmulatedUser | undefined {
    return this.users.get(userId);
  }

  listUsers(): EmulatedUser[] {
    return [...this.users.values()];
  }

  /** The account is gone (deleted): LINE no longer knows the id, and pushes to it are refused. */
  forgetUser(userId: string): void {
    this.users.delete(userId);
  }

  setFriend(userId: string, friend: boolean): void {
    const user = this.users.get(userId);
    if (!user) throw new Error(`unknown emulated user ${userId}`);
    user.friend = friend;
  }

  isFriend(userId: string): boolean {
    return this.users.get(userId)?.friend === true;
  }

  // --- delivered messages

  /**
   * Ids for each message; stored as delivered only when the user is a friend, because LINE
   * accepts a push to a user who blocked the bot but never shows it to them.
   */
  deliver(to: string, via: 'push' | 'reply', requestId: string, messages: Record<string, unknown>[]): SentMessageRef[] {
    const reachable = this.isFriend(to);
    return messages.map((message) => {
      const record: DeliveredMessage = { id: newMessageId(), quoteToken: newQuoteToken(), to, via, requestId, at: this.now(), message };
      if (reachable) this.delivered.push(record);
      return { id: record.id, quoteToken: record.quoteToken };
    });
  }

  messagesTo(userId: string): DeliveredMessage[] {
    return this.delivered.filter((m) => m.to === userId);
  }

  allMessages(): DeliveredMessage[] {
    return [...this.delivered];
  }

  // --- X-Line-Retry-Key

  acceptedRetryKey(key: string): AcceptedRetryKey | undefined {
    const accepted = this.retryKeys.get(key);
    if (accepted && this.now() - accepted.at > RETRY_KEY_TTL_MS) {
      this.retryKeys.delete(key);
      return undefined;
    }
    return accepted;
  }

  rememberRetryKey(key: string, requestId: string, sentMessages: SentMessageRef[]): void {
    this.retryKeys.set(key, { requestId, sentMessages, at: this.now() });
  }

  // --- push attempts (what a test inspects; not part of LINE)

  recordPushAttempt(attempt: PushAttempt): void {
    this.pushAttempts.push(attempt);
  }

  allPushAttempts(): PushAttempt[] {
    return [...this.pushAttempts];
  }

  /** Retry keys that arrived with more than one distinct body: each is a message LINE dropped. */
  retryKeysWithTwoBodies(): Array<{ retryKey: string; bodies: number; to: string[] }> {
    const byKey = new Map<string, { bodies: Set<string>; to: Set<string> }>();
    for (const a of this.pushAttempts) {
      if (a.retryKey === undefined) continue;
      const entry = byKey.get(a.retryKey) ?? { bodies: new Set(), to: new Set() };
      entry.bodies.add(a.bodySha256);
      entry.to.add(a.to);
      byKey.set(a.retryKey, entry);
    }
    return [...byKey.entries()]
      .filter(([, e]) => e.bodies.size > 1)
      .map(([retryKey, e]) => ({ retryKey, bodies: e.bodies.size, to: [...e.to] }));
  }

  // --- reply tokens

  issueReplyToken(userId: string, token: string = newReplyToken()): string {
    this.replyTokens.set(token, { userId, issuedAt: this.now(), used: false });
    return token;
  }

  /** The user the token replies to, once; undefined when unknown, used or older than a minute. */
  consumeReplyToken(token: string): string | undefined {
    const entry = this.replyTokens.get(token);
    if (!entry || entry.used || this.now() - entry.issuedAt > REPLY_TOKEN_TTL_MS) return undefined;
    entry.used = true;
    return entry.userId;
  }

  // --- push rate limit (sliding one-second window)

  admitPush(limitPerSecond: number): boolean {
    const now = this.now();
    this.pushTimes = this.pushTimes.filter((t) => now - t < RATE_WINDOW_MS);
    if (this.pushTimes.length >= limitPerSecond) return false;
    this.pushTimes.push(now);
    return true;
  }

  // --- faults

  setFaults(change: Partial<Faults>): Faults {
    this.faults = { ...this.faults, ...change };
    return this.faults;
  }

  resetFaults(): void {
    this.faults = { ...NO_FAULTS };
  }

  /** Spends one injected failure, if any is left. */
  takeInjectedFailure(): boolean {
    if (this.faults.failNext <= 0) return false;
    this.faults.failNext--;
    return true;
  }

  takeLostResponse(): boolean {
    if (this.faults.loseResponseNext <= 0) return false;
    this.faults.loseResponseNext--;
    return true;
  }

  // --- LINE Login

  issueAuthorizationCode(grant: Omit<AuthorizationGrant, 'expiresAt' | 'used'>): string {
    const code = newOpaqueToken();
    this.grants.set(code, { ...grant, expiresAt: this.now() + AUTHORIZATION_CODE_TTL_MS, used: false });
    return code;
  }

  /** Codes are single use: a second exchange fails even if the first one's answer was lost. */
  redeemAuthorizationCode(code: string): AuthorizationGrant | undefined {
    const grant = this.grants.get(code);
    if (!grant || grant.used || grant.expiresAt < this.now()) return undefined;
    grant.used = true;
    return grant;
  }

  issueLoginAccessToken(userId: string, clientId: string, scope: string): { token: string; expiresInSeconds: number } {
    const token = newOpaqueToken();
    this.loginTokens.set(token, { userId, clientId, scope, expiresAt: this.now() + LOGIN_ACCESS_TOKEN_TTL_MS });
    return { token, expiresInSeconds: LOGIN_ACCESS_TOKEN_TTL_MS / 1000 };
  }

  loginAccessToken(token: string): LoginAccessToken | undefined {
    const entry = this.loginTokens.get(token);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  // --- LIFF (see liff.ts)

  /** LINE's key for the ID tokens it hands LIFF apps (ES256; public half at /oauth2/v2.1/certs). */
  readonly liffSigningKey: Es256Key = newEs256Key();
  private readonly liffApps = new Map<string, EmulatedLiffApp>();

  addLiffApp(app: EmulatedLiffApp): EmulatedLiffApp {
    this.liffApps.set(app.liffId, app);
    return app;
  }

  getLiffApp(liffId: string): EmulatedLiffApp | undefined {
    return this.liffApps.get(liffId);
  }
}

/** A LIFF app as registered in the LINE Developers Console (the emulator's subset). */
export interface EmulatedLiffApp {
  liffId: string;
  /** Where LINE opens the app (the "primary redirect URL" without liff.state). */
  endpointUrl: string;
  /** Scopes the app asks for; `openid` gives the app an ID token. */
  scope: string[];
}
