import { startOidcEmulator, type RunningOidcEmulator } from '../../src/emulators/oidc';

/**
 * Staff for tests, signed in through the OIDC provider emulator exactly as production staff are
 * through the company's provider: the emulator knows these people and their roles, the api is
 * configured with its issuer, and `tokens` holds an access token (2 h) minted for each.
 */
export const TEST_STAFF = {
  agent: { sub: 'agent-amy', name: 'Amy (agent)', roles: ['agent'] },
  secondAgent: { sub: 'agent-ben', name: 'Ben (agent)', roles: ['agent'] },
  viewer: { sub: 'viewer-vic', name: 'Vic (viewer)', roles: ['viewer'] },
  admin: { sub: 'admin-ada', name: 'Ada (admin)', roles: ['admin'] },
  operator: { sub: 'operator-oli', name: 'Oli (operator)', roles: ['operator'] },
  nobody: { sub: 'nobody-nia', name: 'Nia (no staff role)', roles: [] as string[] },
} as const;
export type TestStaff = keyof typeof TEST_STAFF;

export const TEST_CONSOLE_CLIENT = { clientId: 'escrow-console', clientSecret: 'test-console-client-secret-0123456789' };
export const TEST_AUDIENCE = 'escrow-api';
const TOKEN_TTL_SECONDS = 2 * 60 * 60;

export interface StaffIdentityFixture {
  idp: RunningOidcEmulator;
  /** The api's OIDC_* settings for this provider. */
  env: Record<string, string>;
  /** An access token for each test staff member. */
  tokens: Record<TestStaff, string>;
  /** `Authorization` headers, for tests that call with fetch. */
  headers: Record<TestStaff, { authorization: string }>;
}

/** The provider for an api at `apiBaseUrl` (its console's callback is registered there). */
export async function startStaffIdentityProvider(apiBaseUrl: string): Promise<StaffIdentityFixture> {
  const idp = await startOidcEmulator({
    users: Object.values(TEST_STAFF).map((s) => ({ sub: s.sub, name: s.name, claims: { escrow_roles: [...s.roles] } })),
    clients: [
      {
        ...TEST_CONSOLE_CLIENT,
        redirectUris: [`${apiBaseUrl}/auth/staff/callback`],
        audience: TEST_AUDIENCE,
        name: 'Escrow support console',
      },
    ],
    audiences: [TEST_AUDIENCE],
  });
  const tokens = Object.fromEntries(
    Object.entries(TEST_STAFF).map(([who, s]) => [
      who,
      idp.state.mint({ sub: s.sub, clientId: TEST_CONSOLE_CLIENT.clientId, ttlSeconds: TOKEN_TTL_SECONDS }).accessToken,
    ]),
  ) as Record<TestStaff, string>;
  const headers = Object.fromEntries(Object.entries(tokens).map(([who, token]) => [who, { authorization: `Bearer ${token}` }])) as Record<
    TestStaff,
    { authorization: string }
  >;
  return {
    idp,
    env: {
      OIDC_ISSUER_URL: idp.baseUrl,
      OIDC_CLIENT_ID: TEST_CONSOLE_CLIENT.clientId,
      OIDC_CLIENT_SECRET: TEST_CONSOLE_CLIENT.clientSecret,
      OIDC_AUDIENCE: TEST_AUDIENCE,
    },
    tokens,
    headers,
  };
}
