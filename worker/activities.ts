import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { createHelloActivities } from '../activities/hello-activities';
import { createOrderActivities } from '../activities/order-activities';
import { createWalletActivities } from '../activities/wallet-activities';
import { createQuickReceiveActivities } from '../activities/quick-receive-activities';
import { createPayoutActivities } from '../activities/payout-activities';
import { createOperationsActivities } from '../activities/operations-activities';
import { createBankCenter, type BankCenter } from '../src/bankcenter';
import { createPayoutProvider, type PayoutProvider } from '../src/payout';
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
  /** Default: built from settings.bankCenter / settings.payouts. */
  bankCenter?: BankCenter;
  payouts?: PayoutProvider;
}

export function createActivities(deps: WorkerDeps) {
  const { bankCenter: bc, payouts: po } = deps.settings;
  const moneyOut = {
    ...deps,
    bankCenter: deps.bankCenter ?? createBankCenter({ baseUrl: bc.baseUrl, apiKey: bc.apiKey }),
    payouts: deps.payouts ?? createPayoutProvider({ baseUrl: po.baseUrl, apiKey: po.apiKey }),
  };
  return {
    ...createOrderActivities(deps),
    ...createWalletActivities(deps),
    ...createQuickReceiveActivities(moneyOut),
    ...createPayoutActivities(moneyOut),
    ...createOperationsActivities(moneyOut),
    ...createHelloActivities(),
  };
}
