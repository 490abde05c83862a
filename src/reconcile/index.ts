export {
  reconcilePayouts,
  describeDifference,
  RECONCILE_BOUNDARY_MARGIN_MS,
  type PayoutDifference,
  type PayoutReconciliation,
  type ReconcileRange,
} from './payouts';
export { reconcilePayments, describePaymentDifference, type PaymentDifference, type PaymentReconciliation } from './payments';
