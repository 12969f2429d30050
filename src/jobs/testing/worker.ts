/**
 * A worker process for the scale-out tests: works queue `eo`, each job inserting one row once.
 * JOB_MS slows each job down (graceful-stop test); SIGTERM stops it through runWorkers.
 */
import { openStore } from '../../store/index.js';
import { createJobEngine, onceInTransaction, runWorkers } from '../index.js';

const jobMs = Number(process.env.JOB_MS ?? 2);
const store = await openStore({ databaseUrl: process.env.DATABASE_URL, schema: process.env.SCHEMA, poolSize: 6 });
const engine = await createJobEngine(store, { pollIntervalMs: 20, maintenanceIntervalSeconds: 1 });
const workers = await runWorkers(engine, [
  {
    queue: 'eo',
    handler: async (d) => {
      const { n } = d as { n: number };
      await onceInTransaction(store, `eo:${n}`, (tx) => tx.query('INSERT INTO eo_effects (n, pid) VALUES ($1, $2)', [n, process.pid]));
      await new Promise((r) => setTimeout(r, jobMs));
    },
    options: { retryLimit: 5, retryDelaySeconds: 1, expireInSeconds: 3, batchSize: Number(process.env.BATCH ?? 50), concurrency: Number(process.env.CONCURRENCY ?? 8) },
  },
]);
process.stdout.write('ready\n');
await workers.stopped;
await store.close();
process.stdout.write(`stopped ${engine.counts.completed}\n`);
process.exit(0);
