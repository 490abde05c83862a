import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { IdentityProviderUnavailable, type StaffIdentityProvider } from './provider';

/**
 * Staff access tokens, verified with jose against the provider's published keys: signature by a
 * key of its JWKS (re-read when an unknown `kid` appears, for key rotation), our issuer, our
 * audience, `exp` (no tolerance), an asymmetric algorithm. Roles come from a configurable claim.
 */
export const SUPPORT_ROLES = ['viewer', 'agent', 'admin'] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];
/** operator: may read decoded payloads in the Temporal UI (the codec endpoint); admin may too. */
export const STAFF_ROLES = [...SUPPORT_ROLES, 'operator'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const SUPPORT_ROLE_RANK: Record<SupportRole, number> = { viewer: 0, agent: 1, admin: 2 };

/** Symmetric algorithms (HS*) would let anyone holding a shared secret mint tokens; `none` is never a signature. */
export const ALLOWED_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const TOKEN_MAX_CHARS = 8192;
/** Staff ids go into audit actors and workflow inputs (which take at most 200 characters). */
const SUBJECT_PATTERN = /^[\x21-\x7e]{1,200}$/;
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

/** What a verified token says about who calls. */
export interface VerifiedStaff {
  /** The token's `sub`: who acts, in the audit log as `support:<staffId>`. */
  staffId: string;
  name?: string;
  roles: StaffRole[];
  /** The highest support role, if any. */
  role?: SupportRole;
  expiresAtMs: number;
}

export interface StaffTokenVerifier {
  /** The staff member, or undefined for a token we refuse; throws IdentityProviderUnavailable when the keys cannot be had. */
  verify(accessToken: string): Promise<VerifiedStaff | undefined>;
}

/** jose's codes for a token that is wrong, as opposed to a provider we could not reach. */
const REFUSALS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWK_INVALID',
]);

export function accessTokenVerifier(
  provider: StaffIdentityProvider,
  options: { audience: string; rolesClaim: string },
): StaffTokenVerifier {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = () => {
    keys ??= provider
      .configuration()
      .then((config) => {
        const uri = config.serverMetadata().jwks_uri;
        if (!uri) throw new IdentityProviderUnavailable('the identity provider publishes no jwks_uri');
        return createRemoteJWKSet(new URL(uri), {
          timeoutDuration: provider.settings.timeoutMs,
          cooldownDuration: provider.settings.jwksCooldownMs,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        });
      })
      .catch((err) => {
        keys = undefined;
        throw err;
      });
    return keys;
  };
  // Discovery and keys are fetched only for a token shaped like a JWT, on its first verification.
  const getKey: JWTVerifyGetKey = async (header, token) => (await keySet())(header, token);

  return {
    async verify(accessToken) {
      if (accessToken.length > TOKEN_MAX_CHARS || !JWT_SHAPE.test(accessToken)) return undefined;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(accessToken, getKey, {
          issuer: provider.issuer,
          audience: options.audience,
          algorithms: ALLOWED_TOKEN_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (err) {
        if (err instanceof IdentityProviderUnavailable) throw err;
        if (err instanceof errors.JOSEError && REFUSALS.has(err.code)) return undefined;
        throw new IdentityProviderUnavailable(`staff token keys unavailable: ${(err as Error).message}`, { cause: err });
      }
      const staffId = payload.sub!;
      if (!SUBJECT_PATTERN.test(staffId)) return undefined;
      const roles = rolesIn(payload, options.rolesClaim);
      const support = SUPPORT_ROLES.filter((r) => roles.includes(r));
      return {
        staffId,
        ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
        roles,
        role: support.at(-1),
        expiresAtMs: payload.exp! * 1000,
      };
    },
  };
}

/**
 * The known roles a claim lists: an array of strings, or one string separated by spaces or
 * commas. The claim is looked up by its exact name first (namespaced claims like
 * `https://escrow.example/roles` contain dots), then as a dotted path (`realm_access.roles`).
 */
export function rolesIn(claims: Record<string, unknown>, claim: string): StaffRole[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim
      .split('.')
      .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), claims);
  }
  const listed = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return STAFF_ROLES.filter((role) => listed.includes(role));
}
