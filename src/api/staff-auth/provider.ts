import * as oidc from 'openid-client';
import type { StaffIdentitySettings } from '../../config/settings';

/**
 * The staff identity provider as our relying party sees it: its discovery document (fetched once,
 * again after a failure) and our client's credentials, through openid-client. The issuer must be
 * https in production (settings refuse http there); http is allowed for the emulator on loopback.
 */
export interface StaffIdentityProvider {
  readonly issuer: string;
  readonly settings: StaffIdentitySettings;
  /** Discovery done; throws IdentityProviderUnavailable when the provider cannot be reached. */
  configuration(): Promise<oidc.Configuration>;
}

/** The provider could not be asked (down, slow, an answer we cannot use): nobody's fault but the network's. */
export class IdentityProviderUnavailable extends Error {
  readonly retryable = true;
}

export function staffIdentityProvider(settings: StaffIdentitySettings): StaffIdentityProvider | undefined {
  const issuer = settings.issuerUrl;
  if (issuer === undefined) return undefined;
  let pending: Promise<oidc.Configuration> | undefined;
  const discover = async () => {
    const auth = settings.clientSecret !== undefined ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None();
    const insecure = new URL(issuer).protocol === 'http:';
    try {
      return await oidc.discovery(new URL(issuer), settings.clientId, undefined, auth, {
        timeout: Math.max(1, Math.ceil(settings.timeoutMs / 1000)),
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
    } catch (err) {
      throw new IdentityProviderUnavailable(`the identity provider's discovery failed: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    issuer,
    settings,
    configuration() {
      pending ??= discover().catch((err) => {
        pending = undefined; // ask again next time
        throw err;
      });
      return pending;
    },
  };
}
