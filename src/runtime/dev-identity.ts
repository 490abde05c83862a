import { startOidcEmulator } from '../emulators/oidc';
import { OIDC_DEFAULTS } from '../config/settings';

/**
 * `npm start` without OIDC_ISSUER_URL: the OIDC provider emulator stands in for the company's
 * identity provider, with a few staff to sign in as - two agents (four eyes needs two), a
 * viewer, an admin and an operator (who may decode payloads in the Temporal UI).
 */
const STAFF = [
  { sub: 'amy', name: 'Amy (agent)', roles: ['agent'] },
  { sub: 'ben', name: 'Ben (agent)', roles: ['agent'] },
  { sub: 'vic', name: 'Vic (viewer)', roles: ['viewer'] },
  { sub: 'ada', name: 'Ada (admin)', roles: ['admin'] },
  { sub: 'oli', name: 'Oli (operator)', roles: ['operator'] },
];
const CONSOLE_SECRET = 'emulator-oidc-console-secret';

export async function startDevelopmentIdentityProvider(publicBaseUrl: string) {
  const idp = await startOidcEmulator({
    users: STAFF.map((s) => ({ sub: s.sub, name: s.name, claims: { [OIDC_DEFAULTS.rolesClaim]: s.roles } })),
    clients: [
      {
        clientId: OIDC_DEFAULTS.clientId,
        clientSecret: CONSOLE_SECRET,
        redirectUris: [`${publicBaseUrl}/auth/staff/callback`],
        audience: OIDC_DEFAULTS.audience,
        name: 'Escrow support console',
      },
    ],
    audiences: [OIDC_DEFAULTS.audience],
  });
  return {
    baseUrl: idp.baseUrl,
    close: idp.close,
    people: STAFF.map((s) => s.name).join(', '),
    env: {
      OIDC_ISSUER_URL: idp.baseUrl,
      OIDC_CLIENT_ID: OIDC_DEFAULTS.clientId,
      OIDC_CLIENT_SECRET: CONSOLE_SECRET,
      OIDC_AUDIENCE: OIDC_DEFAULTS.audience,
    },
  };
}
