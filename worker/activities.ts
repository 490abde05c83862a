import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { createOrderActivities } from '../activities/order-activities';
import { createWalletActivities } from '../activities/wallet-activities';
import type { ChatPort } from '../src/chat/port';
import type { Settings } from '../src/config/settings';
import type { Ledger } from '../src/ledger';
import type { PaymentProvider } from '../src/payment';

/** Everything the activities touch, built once per worker process. */
export interface WorkerDeps {
  knex: Knex;
  ledger: Ledger;
  chat: ChatPort;
  payments: PaymentProvider;
  temporal: Client;
  settings: Settings;
}

export function createActivities(deps: WorkerDeps) {
  return {
    ...createOrderActivities(deps),
    ...createWalletActivities(deps),
  };
}
