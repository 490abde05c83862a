import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes operators filter deals by in the Temporal Web UI. */
export const OrderStateAttribute = defineSearchAttributeKey('OrderState', SearchAttributeType.KEYWORD);
export const SellerIdAttribute = defineSearchAttributeKey('SellerId', SearchAttributeType.KEYWORD);
export const BuyerIdAttribute = defineSearchAttributeKey('BuyerId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [OrderStateAttribute, SellerIdAttribute, BuyerIdAttribute];

/** `--search-attribute Name=Keyword` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
