export { createLineEmulator, startLineEmulator, type LineEmulator, type RunningLineEmulator } from './app';
export { CONTROL_PREFIX } from './control-routes';
export { newUserId, ulid } from './ids';
export { ID_TOKEN_ISSUER } from './login-routes';
export { EMULATOR_DEFAULTS, type LineEmulatorOptions } from './options';
export { LineEmulatorState, NO_FAULTS, type EmulatedLiffApp, type DeliveredMessage, type EmulatedUser, type Faults } from './state';
export {
  followEvent,
  postbackEvent,
  sendWebhook,
  textEvent,
  unfollowEvent,
  type SendWebhookOptions,
  type SendWebhookResult,
} from './webhook';
export {
  LIFF_NATIVE_BRIDGE_SCRIPT,
  channelIdOfLiffId,
  issueLiffIdToken,
  liffBrowserUserAgent,
  openLiffUrl,
  registerLiffApp,
  type OpenedLiffApp,
} from './liff';
