import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createKnex } from '../../src/db/knex';
import { createLedger } from '../../src/ledger';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';

describe('foundation smoke: a worker on the real Temporal dev server runs a workflow that calls a ledger activity', () => {
  it('moves money once through the ledger, even when the activity is repeated', async () => {
    const knex = createKnex(testDatabaseUrl());
    const ledger = createLedger(knex);
    const from = uniqueId('smoke-from');
    const to = uniqueId('smoke-to');
    await ledger.createAccount({ id: from, currency: 'TWD', kind: 'provider_clearing' });
    await ledger.createAccount({ id: to, currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true });
    const taskQueue = uniqueId('smoke');
    const connection = await NativeConnection.connect({ address: testTemporalAddress() });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: path.join(__dirname, '..', 'fixtures', 'ledger-smoke-workflow.ts'),
      activities: {
        transfer: async (i: { id: string; from: string; to: string; amountMinor: number }) =>
          (
            await ledger.createTransfer({
              id: i.id,
              debitAccountId: i.from,
              creditAccountId: i.to,
              amountMinor: i.amountMinor,
              currency: 'TWD',
            })
          ).status,
        balanceOf: async (id: string) => {
          const b = await ledger.balance(id);
          return b.creditsPostedMinor - b.debitsPostedMinor;
        },
      },
    });
    const clientConnection = await Connection.connect({ address: testTemporalAddress() });
    const client = new Client({ connection: clientConnection });
    try {
      const result = await worker.runUntil(
        client.workflow.execute('ledgerSmokeWorkflow', {
          taskQueue,
          workflowId: uniqueId('smoke-wf'),
          args: [{ id: uniqueId('smoke-transfer'), from, to, amountMinor: 1234 }],
        }),
      );
      expect(result).toBe(1234);
      expect((await ledger.totalsByCurrency([from, to])).TWD.netPostedMinor).toBe(0);
    } finally {
      await clientConnection.close();
      await connection.close();
      await knex.destroy();
    }
  });
});
