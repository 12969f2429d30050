/**
 * One usage import in a process of its own, for the usage-import benchmark: the store (embedded,
 * in this process), the connector and `importUsage` over a CSV file; prints the summary, the time,
 * this process's peak resident memory and its peak JS heap as one JSON line.
 */
import { configSchema, crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import { importUsage } from '../src/signals/index.js';
import { openStore } from '../src/store/index.js';

const [baseUrl = '', token = '', file = '', dataDir = '', field = ''] = process.argv.slice(2);
const conn = crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl, auth: { token } });
const config = configSchema.parse({
  crm: conn,
  objects: { contact: { fields: { [field]: { owner: 'ai' } } } },
  flows: [{ name: 'usage', kind: 'usage', object: 'contact', outputs: { events_30d: field } }],
});
const store = await openStore({ dataDir });
const connector = await createConnector(conn, { store });
// the JS heap apart from the embedded Postgres (its memory is a WebAssembly buffer outside the heap)
let heapPeak = 0;
const sampler = setInterval(() => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}, 10);
const started = performance.now();
const summary = await importUsage(store, connector, config, { source: { kind: 'file', path: file }, asOf: new Date('2026-11-28T12:00:00Z') });
const ms = performance.now() - started;
clearInterval(sampler);
await connector.close();
await store.close();
process.stdout.write(
  `${JSON.stringify({ rows: summary.rows, events: summary.events, contacts: summary.contacts, written: summary.written, problems: summary.problems.length, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, heapPeakMb: heapPeak / 2 ** 20 })}\n`,
);
