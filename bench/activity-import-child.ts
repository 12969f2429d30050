/**
 * One emails import in a process of its own, for the activity-import benchmark: the store
 * (embedded, in this process), the connector and the streamed import of an mbox file; prints the summary,
 * the time, this process's peak resident memory and its peak JS heap as one JSON line.
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import { importActivities, readActivityStream } from '../src/signals/index.js';
import { openStore } from '../src/store/index.js';

const [baseUrl = '', token = '', file = '', dataDir = ''] = process.argv.slice(2);
const conn = crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl, auth: { token } });
const store = await openStore({ dataDir });
const connector = await createConnector(conn, { store });
// the JS heap apart from the embedded Postgres (its memory is a WebAssembly buffer outside the heap)
let heapPeak = 0;
const sampler = setInterval(() => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}, 10);
const started = performance.now();
let problems = 0;
const items = readActivityStream('emails', file, { onProblem: () => problems++ });
const { summary } = await importActivities(store, connector, items, {
  crm: 'pipedrive',
  ownDomains: ['team.example'],
  storeBodies: true,
  source: file,
  onResult: () => {},
});
const ms = performance.now() - started;
clearInterval(sampler);
await connector.close();
await store.close();
process.stdout.write(
  `${JSON.stringify({ total: summary.total, imported: summary.imported, unmatched: summary.unmatched, problems, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, heapPeakMb: heapPeak / 2 ** 20 })}\n`,
);
