import type { LedgerError } from './errors';
import { assertInvariant } from './errors';
import type { CreateTransferItemResult } from './transfers';
import type { TransferInput, TransferResult } from './types';

/**
 * Group commit, as TigerBeetle's clients do: single transfers that arrive while a batch is in
 * flight ride together in the next one — one round trip and one commit (one fsync) for many
 * callers. Each item stays atomic on its own and each caller gets its own answer, so batching
 * changes throughput, never meaning. An idle ledger sends a lone transfer at once. One batch in
 * flight at a time (as a TigerBeetle client session): measured best on our 2-core machines.
 */
export const AUTO_BATCH_MAX_ITEMS = 512;
export const AUTO_BATCH_MAX_IN_FLIGHT = 1;

interface Waiting {
  input: TransferInput;
  resolve(result: TransferResult): void;
  reject(error: unknown): void;
}

export interface TransferBatcher {
  submit(input: TransferInput): Promise<TransferResult>;
}

export function transferBatcher(
  sendBatch: (inputs: TransferInput[]) => Promise<CreateTransferItemResult[]>,
  limits: { maxItems: number; maxInFlight: number } = { maxItems: AUTO_BATCH_MAX_ITEMS, maxInFlight: AUTO_BATCH_MAX_IN_FLIGHT },
): TransferBatcher {
  assertInvariant(limits.maxItems >= 1 && limits.maxInFlight >= 1, 'batcher limits must be positive');
  const queue: Waiting[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < limits.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, limits.maxItems);
      inFlight += 1;
      sendBatch(batch.map((w) => w.input))
        .then((results) => {
          assertInvariant(results.length === batch.length, `batch answered ${results.length} of ${batch.length}`);
          results.forEach((result, i) => {
            if (result.ok) batch[i].resolve({ status: result.status, transfer: result.transfer });
            else batch[i].reject(result.error as LedgerError);
          });
        })
        .catch((err) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  }

  return {
    submit(input) {
      return new Promise<TransferResult>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        pump();
      });
    },
  };
}
