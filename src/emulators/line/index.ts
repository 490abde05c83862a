export { createLineEmulator, startLineEmulator, type LineEmulator, type RunningLineEmulator } from './app';
export { CONTROL_PREFIX } from './control-routes';
export { newUserId, ulid } from './ids';
export { ID_TOKEN_ISSUER } from './login-routes';
export { EMULATOR_DEFAULTS, type LineEmulatorOptions } from './options';
export { LineEmulatorState, NO_FAULTS, type DeliveredMessage, type EmulatedUser, type Faults } from './state';
export {
  followEvent,
  postbackEvent,
  sendWebhook,
  textEvent,
  unfollowEvent,
  type SendWebhookOptions,
  type SendWebhookResult,
} from './webhook';
