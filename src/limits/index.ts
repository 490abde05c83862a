export { checkLimits, checkAndRecordLimitEvent, type LimitRequest, type LimitDecision } from './check';
export { recordLimitEvent, type LimitEvent } from './events';
export { accountTier, setAccountTier, taiwanMonthStart, taiwanNextMonthStart } from './tiers';
export {
  DEFAULT_LIMIT_POLICY,
  LIMIT_SUBJECTS,
  limitPolicyFromEnv,
  limitPolicySchema,
  type LimitPolicy,
  type LimitSubject,
  type TierCaps,
  type VelocityRule,
} from './policy';
