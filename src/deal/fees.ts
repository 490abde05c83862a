import type { Currency } from '../domain/money';

/**
 * The platform fee: per currency a percentage in basis points with a minimum, and who pays it.
 * A deal's fee is fixed when its link is created (an input of its workflow), so the link card,
 * the payment info and the settlement all show and book the same number. Pure: the order
 * workflow imports it.
 *
 * Policy (README "Fees"):
 * - the seller pays (default): the buyer pays the total; at release the seller's wallet gets the
 *   total less the fee and the fee account gets the fee;
 * - the buyer pays: the buyer pays the total plus the fee; at release the seller gets the total;
 * - a refund takes no fee: the buyer gets back everything they paid (the fee too, when they paid it);
 * - a split takes the fee pro rata to what the seller gets (rounded down, in the parties' favour):
 *   seller pays → the seller's part less that share; buyer pays → the rest of the fee goes back
 *   to the buyer with their part.
 */
export type FeePayer = 'seller' | 'buyer';
export const FEE_PAYERS: readonly FeePayer[] = ['seller', 'buyer'];

export interface FeePolicy {
  /** Percentage of the total in basis points (250 = 2.5 %). */
  bps: number;
  /** The smallest fee, minor units (never more than the total). */
  minMinor: number;
  payer: FeePayer;
}

export type FeeSchedule = Record<Currency, FeePolicy>;

/** The fee of one deal, fixed when its link was created. */
export interface DealFee {
  feeMinor: number;
  payer: FeePayer;
}

const BPS_PER_UNIT = 10_000;

/** The fee on a total: the percentage (rounded half up), at least the minimum, at most the total. */
export function feeFor(totalMinor: number, policy: FeePolicy): DealFee {
  const percent = Math.floor((totalMinor * policy.bps + BPS_PER_UNIT / 2) / BPS_PER_UNIT);
  return { feeMinor: Math.min(totalMinor, Math.max(policy.minMinor, percent)), payer: policy.payer };
}

/** What the buyer is charged: the total, plus the fee when the buyer pays it. */
export function chargeTotalMinor(totalMinor: number, fee: DealFee | undefined): number {
  return totalMinor + (fee?.payer === 'buyer' ? fee.feeMinor : 0);
}

export interface FeeSplit {
  /** Escrow → the seller's wallet. */
  sellerMinor: number;
  /** Escrow → the fee account. */
  feeMinor: number;
  /** Escrow → back to the buyer (through the provider). */
  buyerMinor: number;
}

/**
 * How escrow is shared out when the seller is given `sellerGoodsMinor` of the goods' total and
 * the buyer `buyerGoodsMinor` (the two add up to the total): what each gets and the fee taken.
 * The three always add up to what the buyer was charged.
 */
export function settleWithFee(totalMinor: number, fee: DealFee | undefined, sellerGoodsMinor: number, buyerGoodsMinor: number): FeeSplit {
  if (fee === undefined || fee.feeMinor === 0) return { sellerMinor: sellerGoodsMinor, feeMinor: 0, buyerMinor: buyerGoodsMinor };
  // BigInt: fee × part can pass 2^53 for the largest deals; the quotient is rounded down.
  const taken =
    sellerGoodsMinor === totalMinor ? fee.feeMinor : Number((BigInt(fee.feeMinor) * BigInt(sellerGoodsMinor)) / BigInt(totalMinor));
  return fee.payer === 'seller'
    ? { sellerMinor: sellerGoodsMinor - taken, feeMinor: taken, buyerMinor: buyerGoodsMinor }
    : { sellerMinor: sellerGoodsMinor, feeMinor: taken, buyerMinor: buyerGoodsMinor + fee.feeMinor - taken };
}
