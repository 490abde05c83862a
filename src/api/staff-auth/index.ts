import type { Knex } from 'knex';
import type { Settings } from '../../config/settings';
import { accessTokenVerifier, type StaffTokenVerifier } from './access-tokens';
import { staffIdentityProvider, type StaffIdentityProvider } from './provider';
import { staffAuthenticator, type StaffAuthenticator } from './require-staff';
import { staffSessionStore, type StaffSessionStore } from './sessions';

export * from './access-tokens';
export { IdentityProviderUnavailable, staffIdentityProvider, type StaffIdentityProvider } from './provider';
export { requireStaff, staffAuthenticator, staffOf, bearerOf, type StaffAuthenticator, type StaffMember } from './require-staff';
export { CSRF_HEADER, staffSessionStore, type StaffSessionStore } from './sessions';
export {
  staffSignInRouter,
  STAFF_AUTH_PREFIX,
  STAFF_CALLBACK_PATH,
  STAFF_LOGIN_PATH,
  STAFF_LOGOUT_PATH,
  STAFF_SESSION_PATH,
} from './sign-in-routes';

/** Staff identity for one api process: the provider, token verifiers for the api and the codec audience, sessions. */
export interface StaffIdentity {
  provider?: StaffIdentityProvider;
  verifier?: StaffTokenVerifier;
  sessions: StaffSessionStore;
  /** For /api/support: tokens for OIDC_AUDIENCE, or the console's session. */
  auth: StaffAuthenticator;
  /** For /codec: tokens for OIDC_CODEC_AUDIENCE (the Temporal UI's), or the console's session. */
  codecAuth: StaffAuthenticator;
}

export function staffIdentity(knex: Knex, settings: Settings): StaffIdentity {
  const { staffIdentity: oidc } = settings;
  const provider = staffIdentityProvider(oidc);
  const verifier = provider && accessTokenVerifier(provider, { audience: oidc.audience, rolesClaim: oidc.rolesClaim });
  const codecVerifier =
    provider &&
    (oidc.codecAudience === oidc.audience
      ? verifier
      : accessTokenVerifier(provider, { audience: oidc.codecAudience, rolesClaim: oidc.rolesClaim }));
  const sessions = staffSessionStore(knex, { publicBaseUrl: settings.publicBaseUrl, hashSecret: settings.secrets.hashSecret });
  return {
    provider,
    verifier,
    sessions,
    auth: staffAuthenticator({ verifier, sessions }),
    codecAuth: staffAuthenticator({ verifier: codecVerifier, sessions }),
  };
}
