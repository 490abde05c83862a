export * from './adapter';
export * from './errors';
export * from './fit';
export * from './limits';
export * from './login';
export { retryKeyFor, uuidV5 } from './retry-key';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
export { signBody, verifySignature } from './signature';
