import type { LineSettings } from '../config/settings';
import { verifyIdToken } from '../line/login';
import { cachingVerifier, type IdentityVerifier } from './identity';

/** Identity from a LINE ID token, verified by LINE's verify endpoint (claims never trusted from a page). */
export function lineIdentityVerifier(line: LineSettings, loginApiBaseUrl: string): IdentityVerifier {
  return cachingVerifier({
    async verify(idToken) {
      const claims = await verifyIdToken(idToken, { channelId: line.channelId, apiBaseUrl: loginApiBaseUrl });
      return claims.sub;
    },
  });
}
