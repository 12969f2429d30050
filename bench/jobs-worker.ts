/** A worker process for the jobs benchmark: trivial jobs on queue `bench`. */
import { createJobEngine } from '../src/jobs/index.js';
import { openStore } from '../src/store/index.js';

const store = await openStore({ databaseUrl: process.env.DATABASE_URL, schema: process.env.SCHEMA, poolSize: 4 });
const engine = await createJobEngine(store, { pollIntervalMs: 10 });
await engine.register('bench', async () => {}, { batchSize: 200, concurrency: 16 });
engine.work();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await engine.stop();
  await store.close();
  process.exit(0);
});
