import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Faults, Timers } from '../http-util';
import { CODE_TTL_SECONDS_MAX, type SigningAlg } from './contract';
import { generateSigningKey, signJwt, type SigningKey } from './keys';

/** A person the provider knows. `claims` go into their tokens as they are (e.g. `{ escrow_roles: ['agent'] }`). */
export interface OidcUser {
  sub: string;
  name: string;
  email?: string;
  claims?: Record<string, unknown>;
}

/** A registered client (relying party). Without a secret it is public and must use PKCE. */
export interface OidcClient {
  clientId: string;
  clientSecret?: string;
  /** Compared exactly (OIDC Core §3.1.2.1). */
  redirectUris: string[];
  /** The API its access tokens are for unless /authorize asks for another known one. */
  audience?: string;
  name?: string;
}

export interface OidcEmulatorOptions {
  users?: OidcUser[];
  clients?: OidcClient[];
  /** The APIs (access-token audiences) the provider knows; the first is the default. */
  audiences?: string[];
  signingAlg?: SigningAlg;
  accessTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  /** Issue refresh tokens (rotated on use). Default true. */
  refreshTokens?: boolean;
  /** Fixed port; default a free one. */
  port?: number;
  /** Clock, for tests that age tokens and codes. */
  now?: () => number;
}

export const OIDC_EMULATOR_DEFAULTS = {
  signingAlg: 'RS256' as SigningAlg,
  accessTokenTtlSeconds: 15 * 60,
  idTokenTtlSeconds: 15 * 60,
  codeTtlSeconds: 60,
  audience: 'escrow-api',
};

interface Grant {
  sub: string;
  clientId: string;
  scope: string;
  audience: string;
  authTimeSeconds: number;
  nonce?: string;
}

interface PendingCode extends Grant {
  redirectUri: string;
  codeChallenge?: string;
  expiresAtMs: number;
}

export interface MintOptions {
  sub: string;
  /** Default: the client's audience, else the provider's default. */
  audience?: string;
  clientId?: string;
  scope?: string;
  ttlSeconds?: number;
  nonce?: string;
  /** Extra or overriding claims of both tokens (a test's way to shape a token the provider would sign). */
  claims?: Record<string, unknown>;
}

export interface MintedTokens {
  accessToken: string;
  idToken: string;
  expiresInSeconds: number;
}

const random = () => randomBytes(32).toString('base64url');
const digest = (value: string) => createHash('sha256').update(value).digest();

/** Everything the provider remembers; tests reach it through the running handle. */
export class OidcEmulatorState {
  readonly faults = new Faults();
  readonly timers = new Timers();
  readonly users = new Map<string, OidcUser>();
  readonly clients = new Map<string, OidcClient>();
  readonly audiences: string[];
  readonly alg: SigningAlg;
  readonly now: () => number;
  /** The signing key first, then keys still published after a rotation. */
  keys: SigningKey[];
  /** Set once the server listens: the issuer is the base URL, exactly. */
  issuer = '';
  /** Every token request, for tests that count them (e.g. one exchange per sign-in). */
  tokenRequests = 0;
  jwksRequests = 0;
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, Grant>();

  constructor(readonly options: OidcEmulatorOptions) {
    this.alg = options.signingAlg ?? OIDC_EMULATOR_DEFAULTS.signingAlg;
    this.now = options.now ?? Date.now;
    this.audiences = options.audiences?.length ? [...options.audiences] : [OIDC_EMULATOR_DEFAULTS.audience];
    this.keys = [generateSigningKey(this.alg)];
    for (const user of options.users ?? []) this.addUser(user);
    for (const client of options.clients ?? []) this.addClient(client);
  }

  addUser(user: OidcUser): void {
    this.users.set(user.sub, user);
  }

  addClient(client: OidcClient): void {
    this.clients.set(client.clientId, client);
  }

  /** A new signing key; the old one stays in the JWKS unless retired (then its tokens no longer verify). */
  rotateKeys(options: { retireOld?: boolean } = {}): SigningKey {
    const fresh = generateSigningKey(this.alg);
    this.keys = options.retireOld ? [fresh] : [fresh, ...this.keys];
    return fresh;
  }

  /** The client whose credentials these are; a public client proves nothing but its id. */
  authenticateClient(clientId: string | undefined, secret: string | undefined): OidcClient | undefined {
    const client = clientId === undefined ? undefined : this.clients.get(clientId);
    if (!client) return undefined;
    if (client.clientSecret === undefined) return secret === undefined ? client : undefined;
    if (secret === undefined) return undefined;
    return timingSafeEqual(digest(secret), digest(client.clientSecret)) ? client : undefined;
  }

  issueCode(pending: Omit<PendingCode, 'expiresAtMs'>): string {
    const code = random();
    const ttlSeconds = Math.min(this.options.codeTtlSeconds ?? OIDC_EMULATOR_DEFAULTS.codeTtlSeconds, CODE_TTL_SECONDS_MAX);
    this.codes.set(code, { ...pending, expiresAtMs: this.now() + ttlSeconds * 1000 });
    return code;
  }

  /** Single use: a code is gone once presented, whether the exchange then succeeds or not. */
  redeemCode(code: string): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending && pending.expiresAtMs > this.now() ? pending : undefined;
  }

  redeemRefreshToken(token: string): Grant | undefined {
    const grant = this.refreshTokens.get(token);
    this.refreshTokens.delete(token);
    return grant;
  }

  /** Tokens for a grant, as the token endpoint answers them. */
  tokensFor(grant: Grant, extraClaims: Record<string, unknown> = {}, ttlSeconds?: number, withRefresh = true) {
    const user = this.users.get(grant.sub);
    const iat = Math.floor(this.now() / 1000);
    const accessTtl = ttlSeconds ?? this.options.accessTokenTtlSeconds ?? OIDC_EMULATOR_DEFAULTS.accessTokenTtlSeconds;
    const idTtl = ttlSeconds ?? this.options.idTokenTtlSeconds ?? OIDC_EMULATOR_DEFAULTS.idTokenTtlSeconds;
    const person = { ...(user ? { name: user.name, ...(user.email ? { email: user.email } : {}), ...user.claims } : {}) };
    const [key] = this.keys;
    const accessToken = signJwt(
      key,
      {
        iss: this.issuer,
        sub: grant.sub,
        aud: grant.audience,
        client_id: grant.clientId,
        scope: grant.scope,
        iat,
        exp: iat + accessTtl,
        auth_time: grant.authTimeSeconds,
        jti: randomBytes(12).toString('hex'),
        ...person,
        ...extraClaims,
      },
      'at+jwt',
    );
    const idToken = signJwt(key, {
      iss: this.issuer,
      sub: grant.sub,
      aud: grant.clientId,
      azp: grant.clientId,
      iat,
      exp: iat + idTtl,
      auth_time: grant.authTimeSeconds,
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
      ...person,
      ...extraClaims,
    });
    const refreshToken = !withRefresh || this.options.refreshTokens === false ? undefined : random();
    if (refreshToken) this.refreshTokens.set(refreshToken, { ...grant, nonce: undefined });
    return { accessToken, idToken, refreshToken, expiresInSeconds: accessTtl };
  }

  /** The test helper: tokens for a known (or any) subject without the browser round trip. */
  mint(options: MintOptions): MintedTokens {
    const client = options.clientId ? this.clients.get(options.clientId) : undefined;
    const grant: Grant = {
      sub: options.sub,
      clientId: options.clientId ?? 'emulator-test-client',
      scope: options.scope ?? 'openid profile',
      audience: options.audience ?? client?.audience ?? this.audiences[0],
      authTimeSeconds: Math.floor(this.now() / 1000),
      nonce: options.nonce,
    };
    const { accessToken, idToken, expiresInSeconds } = this.tokensFor(grant, options.claims, options.ttlSeconds, false);
    return { accessToken, idToken, expiresInSeconds };
  }
}
