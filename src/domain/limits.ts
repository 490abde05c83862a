/**
 * Text limits of what people type, in characters, one list for the api's schemas and the
 * workflows' validators (workflow-safe: constants only). A limit is the same at every door.
 */
export const TEXT_LIMITS = {
  /** Ids and short fields a workflow takes (user ids, tokens, agent ids). */
  shortTextMaxChars: 200,
  productNameMaxChars: 200,
  productDescriptionMaxChars: 2000,
  imageUrlMaxChars: 1000,
  dynamicPasswordMaxChars: 64,
  paymentTokenMaxChars: 200,
  /** Why a buyer disputes (S205). */
  disputeReasonMaxChars: 1000,
  /** A support agent's note on a resolution or an action. */
  staffNoteMaxChars: 2000,
  watchlistValueMaxChars: 200,
} as const;
