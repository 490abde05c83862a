/**
 * The identity provider's public contract as this emulator honours it, stated here so the
 * emulator does not share our client's assumptions:
 *
 * - OpenID Connect Discovery 1.0: `GET /.well-known/openid-configuration` names the issuer (its
 *   own base URL, exactly) and every endpoint below; `GET /jwks` is the JWK Set (RFC 7517) of the
 *   public keys that sign its tokens, each with `kid`, `alg` and `use: "sig"`.
 * - OpenID Connect Core 1.0, authorization code flow only: `GET /authorize` with
 *   `response_type=code`, `client_id`, `redirect_uri` (exactly one registered for the client),
 *   `scope` containing `openid`, and optional `state`, `nonce`, `prompt`, `login_hint`. An unknown
 *   client or redirect URI is shown an error page and never redirected to; every other error goes
 *   back to the redirect URI as `error`, `error_description`, `state` (RFC 6749 §4.1.2.1). The
 *   answer carries `code`, `state` and `iss` (RFC 9207).
 * - PKCE (RFC 7636): `code_challenge` (base64url SHA-256, 43 characters) with
 *   `code_challenge_method=S256`; `plain` is refused. Required of public clients (no secret),
 *   optional for confidential ones (the Temporal UI's server does not send it); once sent at
 *   /authorize, the token request must carry the matching `code_verifier` (43–128 characters of
 *   `A-Z a-z 0-9 - . _ ~`).
 * - `audience` (as Auth0, and the Temporal UI's provider `options`) or `resource` (RFC 8707) at
 *   /authorize chooses which API the access token is for; it must be one the provider knows.
 * - `POST /token`, `application/x-www-form-urlencoded`: `grant_type=authorization_code` (`code`,
 *   `redirect_uri` as sent to /authorize, `code_verifier`) or `grant_type=refresh_token`
 *   (`refresh_token`, rotated on use). Client authentication `client_secret_basic` (RFC 6749
 *   §2.3.1: form-urlencoded id and secret in HTTP Basic), `client_secret_post`, or `none` with
 *   `client_id` for public clients. Codes are single use and live `codeTtlSeconds` (RFC 6749:
 *   at most 10 minutes). Success: `200 {access_token, token_type: "Bearer", expires_in, id_token,
 *   scope, refresh_token?}` with `Cache-Control: no-store`. Errors (RFC 6749 §5.2):
 *   `400 {error, error_description}`, `401` with `WWW-Authenticate: Basic` for `invalid_client`
 *   when the client tried HTTP Basic.
 * - Tokens are JWS compact, signed with the key named by `kid`. The ID token: `iss`, `sub`,
 *   `aud` (the client id), `azp`, `exp`, `iat`, `auth_time`, `nonce` when one was sent, `name`,
 *   `email`, and the user's extra claims. The access token (RFC 9068, header `typ: at+jwt`):
 *   `iss`, `sub`, `aud` (the API), `client_id`, `scope`, `exp`, `iat`, `jti`, `auth_time`, and
 *   the user's extra claims - a roles claim such as `escrow_roles: ["agent"]` lives there.
 * - `GET /userinfo` with `Authorization: Bearer <access token>`: the user's claims; `401` with
 *   `WWW-Authenticate: Bearer error="invalid_token"` otherwise.
 *
 * Not modelled: implicit and hybrid flows, `request` objects, PAR, DPoP, dynamic client
 * registration, consent screens, sessions at the provider (every sign-in shows the chooser),
 * end-session and logout notifications.
 */
import { z } from 'zod';

export const OIDC_PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  authorize: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
} as const;

export const SCOPES_SUPPORTED = ['openid', 'profile', 'email', 'offline_access'] as const;
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

/** RFC 6749 §4.1.2: an authorization code lives at most 10 minutes. */
export const CODE_TTL_SECONDS_MAX = 600;
/** RFC 7636 §4.1: the verifier's alphabet and length. */
export const CODE_VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url(SHA-256(verifier)) without padding: 43 characters. */
export const CODE_CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'temporarily_unavailable';

const formString = z.string().min(1).max(4096);

export const tokenRequestSchema = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('authorization_code'),
    code: formString,
    redirect_uri: formString,
    code_verifier: z.string().regex(CODE_VERIFIER_PATTERN, 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~').optional(),
    client_id: formString.optional(),
    client_secret: formString.optional(),
  }),
  z.object({
    grant_type: z.literal('refresh_token'),
    refresh_token: formString,
    scope: formString.optional(),
    client_id: formString.optional(),
    client_secret: formString.optional(),
  }),
]);
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  scopes_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  claims_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
}

export function discoveryDocument(issuer: string, alg: SigningAlg, extraClaims: string[]): DiscoveryDocument {
  const at = (path: string) => `${issuer.replace(/\/$/, '')}${path}`;
  return {
    issuer,
    authorization_endpoint: at(OIDC_PATHS.authorize),
    token_endpoint: at(OIDC_PATHS.token),
    userinfo_endpoint: at(OIDC_PATHS.userinfo),
    jwks_uri: at(OIDC_PATHS.jwks),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [alg],
    scopes_supported: [...SCOPES_SUPPORTED],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'name', 'email', ...extraClaims],
    authorization_response_iss_parameter_supported: true,
  };
}
