import { NativeConnection } from '@temporalio/worker';
import { loadSettings } from '../src/config/settings';
import { connectSystem } from '../src/runtime/system';
import { dataConverterFor } from '../src/temporal/codec';
import { createEscrowWorker } from './create-worker';

/** `npm run worker`: one worker process; run as many as the load needs. */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const system = await connectSystem(settings);
  const connection = await NativeConnection.connect({ address: settings.temporalAddress! });
  const worker = await createEscrowWorker({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    deps: system,
    dataConverter: dataConverterFor(settings.keys.payload),
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`worker: polling task queue "${settings.taskQueue}" on ${settings.temporalAddress}`);
  await worker.run();
  await connection.close();
  await system.close();
}

main().catch((err) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
