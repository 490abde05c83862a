export { importWatchlist, type ImportOptions, type ImportResult } from './import';
export { addEntry, removeEntry, type AddEntryOptions } from './entries';
export { matchWatchlist, matchWatchlistPhoneHashes, type WatchlistKeys, type WatchlistMatch } from './match';
export {
  WATCHLIST_KEY_TYPES,
  WATCHLIST_SOURCES,
  normaliseWatchlistKey,
  watchlistKey,
  type WatchlistKeyType,
  type WatchlistSource,
} from './keys';
