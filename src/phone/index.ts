export { isVirtualNumber, phoneStatus, DEFAULT_VIRTUAL_PREFIXES, type PhoneStatus, type PhoneBindingRow } from './intelligence';
export {
  startPhoneVerification,
  completePhoneVerification,
  type PhoneVerificationDeps,
  type StartOutcome,
  type CompleteOutcome,
} from './verification';
export { phoneBindingView, clearPhoneBindings, type PhoneBindingView } from './bindings';
export type { CapRefusal } from './caps';
