/**
 * LINE Login v2.1 client (the SDK v11 has none). Only what the product needs: build the
 * authorize URL, exchange the code, and have LINE verify an ID token (we never trust a token we
 * decoded ourselves: LINE's verify endpoint checks signature, issuer, audience, expiry and nonce).
 */
export const LINE_LOGIN_AUTHORIZE_BASE_URL = 'https://access.line.me';
export const LINE_LOGIN_API_BASE_URL = 'https://api.line.me';

export type BotPrompt = 'normal' | 'aggressive';

export interface AuthorizeUrlParams {
  channelId: string;
  redirectUri: string;
  state: string;
  nonce?: string;
  botPrompt?: BotPrompt;
  scope?: string[];
  /** https://access.line.me, or the emulator. */
  baseUrl?: string;
}

export function authorizeUrl(params: AuthorizeUrlParams): string {
  const url = new URL('/oauth2/v2.1/authorize', params.baseUrl ?? LINE_LOGIN_AUTHORIZE_BASE_URL);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', params.channelId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  url.searchParams.set('scope', (params.scope ?? ['profile', 'openid']).join(' '));
  if (params.nonce) url.searchParams.set('nonce', params.nonce);
  if (params.botPrompt) url.searchParams.set('bot_prompt', params.botPrompt);
  return url.toString();
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  id_token?: string;
  refresh_token: string;
  scope: string;
  token_type: 'Bearer';
}

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  auth_time?: number;
  nonce?: string;
  amr?: string[];
  name?: string;
  picture?: string;
  email?: string;
}

/** LINE Login refused (400 {error, error_description}); not worth retrying with the same input. */
export class LineLoginRefused extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`LINE Login refused (${status}): ${error}: ${description}`);
    this.name = 'LineLoginRefused';
  }
}

/** LINE Login did not answer in time, could not be reached, or failed on its side: retry later. */
export class LineLoginUnavailable extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`LINE Login unavailable: ${message}`, options);
    this.name = 'LineLoginUnavailable';
  }
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 10_000;

export interface LoginApiOptions {
  /** https://api.line.me, or the emulator. */
  apiBaseUrl?: string;
  /** One request gives up after this (LINE_LOGIN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** fetch with a time limit; a timeout or network failure is LineLoginUnavailable. */
async function loginFetch(options: LoginApiOptions, path: string, init: RequestInit): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  try {
    const response = await fetch(new URL(path, options.apiBaseUrl ?? LINE_LOGIN_API_BASE_URL), {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is read under the same signal: a server that sends headers and then stalls times out too.
    return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
  } catch (cause) {
    const what = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error';
    throw new LineLoginUnavailable(`${path}: ${what}`, { cause });
  }
}

export interface ExchangeCodeParams extends LoginApiOptions {
  code: string;
  redirectUri: string;
  channelId: string;
  channelSecret: string;
}

export function exchangeCode(params: ExchangeCodeParams): Promise<TokenResponse> {
  return postForm<TokenResponse>(params, '/oauth2/v2.1/token', {
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri,
    client_id: params.channelId,
    client_secret: params.channelSecret,
  });
}

export interface VerifyIdTokenOptions extends LoginApiOptions {
  channelId: string;
  /** Pass the nonce sent to authorize so a token minted for another login is refused. */
  nonce?: string;
}

export function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  const form: Record<string, string> = { id_token: idToken, client_id: options.channelId };
  if (options.nonce !== undefined) form.nonce = options.nonce;
  return postForm<IdTokenClaims>(options, '/oauth2/v2.1/verify', form);
}

async function postForm<T>(options: LoginApiOptions, path: string, form: Record<string, string>): Promise<T> {
  const response = await loginFetch(options, path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as T;
  let error = 'http_error';
  let description = text.slice(0, 200);
  try {
    const body = JSON.parse(text) as { error?: string; error_description?: string };
    error = body.error ?? error;
    description = body.error_description ?? description;
  } catch {
    // Not LINE's JSON error (a proxy answered); keep the raw text.
  }
  if (response.status >= 500 || response.status === 429)
    throw new LineLoginUnavailable(`${path} answered ${response.status}: ${description}`);
  throw new LineLoginRefused(response.status, error, description);
}

/** GET /friendship/v1/status with the user's LINE Login access token: is the user a friend of the linked bot? */
export async function getFriendship(userAccessToken: string, options: LoginApiOptions = {}): Promise<{ friendFlag: boolean }> {
  const response = await loginFetch(options, '/friendship/v1/status', { headers: { authorization: `Bearer ${userAccessToken}` } });
  const text = await response.text();
  if (!response.ok) throw new LineLoginRefused(response.status, 'invalid_token', text.slice(0, 200));
  return JSON.parse(text) as { friendFlag: boolean };
}
