export { checkLimits, checkAndRecordLimitEvent, reserveLimits, type LimitRequest, type LimitDecision } from './check';
export { recordLimitEvent, releaseLimitEvent, type LimitEvent } from './events';
export { accountTier, setAccountTier, taiwanMonthStart, taiwanNextMonthStart } from './tiers';
export {
  DEFAULT_LIMIT_POLICY,
  LIMIT_SUBJECTS,
  limitPolicyFromEnv,
  limitPolicySchema,
  policyAmountMinor,
  type LimitPolicy,
  type LimitSubject,
  type TierCaps,
  type VelocityRule,
} from './policy';
