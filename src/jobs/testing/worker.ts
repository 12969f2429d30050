/** A worker process for the exactly-once test: works queue `eo`, each job inserting one row once. */
import { openStore } from '../../store/index.js';
import { createJobEngine, onceInTransaction } from '../index.js';

const store = await openStore({ databaseUrl: process.env.DATABASE_URL, schema: process.env.SCHEMA, poolSize: 6 });
const engine = await createJobEngine(store, { pollIntervalMs: 20, maintenanceIntervalSeconds: 1 });
await engine.register<{ n: number }>(
  'eo',
  async (d) => {
    await onceInTransaction(store, `eo:${d.n}`, (tx) => tx.query('INSERT INTO eo_effects (n, pid) VALUES ($1, $2)', [d.n, process.pid]));
    await new Promise((r) => setTimeout(r, 2));
  },
  { retryLimit: 5, retryDelaySeconds: 1, expireInSeconds: 3, batchSize: 50, concurrency: 8 },
);
engine.work();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await engine.stop();
  await store.close();
  process.exit(0);
});
