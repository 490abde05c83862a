import type { Settings } from '../config/settings';
import { LineLoginRefused, verifyIdToken } from '../line/login';
import { cachingVerifier, type IdentityVerifier } from './identity';

/**
 * Identity from a LINE ID token, verified by LINE's verify endpoint (claims never trusted from a
 * page). LINE's refusal is an answer (cached briefly); LINE being unreachable is an error.
 */
export function lineIdentityVerifier(settings: Pick<Settings, 'line' | 'identity'>): IdentityVerifier {
  const { line, identity } = settings;
  return cachingVerifier(
    {
      async verify(idToken) {
        try {
          const claims = await verifyIdToken(idToken, {
            channelId: line.channelId,
            apiBaseUrl: line.loginApiBaseUrl,
            timeoutMs: line.loginTimeoutMs,
          });
          return { userId: claims.sub, expiresAtMs: claims.exp * 1000 };
        } catch (err) {
          if (err instanceof LineLoginRefused) return undefined;
          throw err;
        }
      },
    },
    { tokenCacheMs: identity.tokenCacheMs, refusalCacheMs: identity.refusalCacheMs },
  );
}
