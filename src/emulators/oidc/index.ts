export { createOidcEmulator, startOidcEmulator, type RunningOidcEmulator } from './emulator';
export {
  OIDC_EMULATOR_DEFAULTS,
  OidcEmulatorState,
  type MintOptions,
  type MintedTokens,
  type OidcClient,
  type OidcEmulatorOptions,
  type OidcUser,
} from './state';
export { OIDC_PATHS, discoveryDocument } from './contract';
