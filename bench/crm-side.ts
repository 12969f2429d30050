/**
 * The CRM side of the triggers benchmark, in its own process as a real CRM would be: the simulator
 * and the reps who edit it. Started with the simulator's options as JSON in argv[2]; prints one JSON
 * line with url / apiBase / token; then reads one JSON command per line on stdin:
 *  - {"edits": [{"id", "fields"}], "rate": n}: makes the rep edits at `rate` per second and answers
 *    {"editedAt": {id: epoch ms}, "achievedRate": n};
 *  - {"stats": true}: answers the simulator's stats;
 *  - {"close": true}: closes the simulator and exits.
 */
import { createInterface } from 'node:readline';
import type { CrmName } from '../src/crm/types.js';
import { startSimulator } from '../src/simulators/index.js';

const { crm, ...options } = JSON.parse(process.argv[2] ?? '{}') as { crm: CrmName } & Record<string, unknown>;
const sim = await startSimulator(crm, options);
const say = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
say({ url: sim.url, apiBase: sim.apiBase, token: sim.token });

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { edits?: { object: string; id: string; fields: Record<string, unknown> }[]; rate?: number; stats?: boolean; close?: boolean };
  if (cmd.edits) {
    const rate = cmd.rate ?? 100;
    const editedAt: Record<string, number> = {};
    const start = Date.now();
    for (let i = 0; i < cmd.edits.length; i++) {
      // pace: edit i is due at start + i / rate
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const e = cmd.edits[i];
      editedAt[e.id] = Date.now();
      await sim.repEdit({ object: e.object, id: e.id, fields: e.fields as never });
    }
    say({ editedAt, achievedRate: cmd.edits.length / ((Date.now() - start) / 1000) });
  } else if (cmd.stats) say(sim.stats());
  else if (cmd.close) {
    await sim.close();
    say({ closed: true });
    process.exit(0);
  }
}
