/**
 * A run killed half-way (`kill -9` of a real `inrecord apply` process) and taken up again with
 * `inrecord apply --resume <run>`: in the CRM's own change history every person's score is written
 * exactly once — nothing twice, nothing skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/index.js';
import { type RunningPipedriveSimulator, startPipedriveSimulator } from '../../src/simulators/pipedrive/index.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../../src/store/testing/index.js';

const PEOPLE = 120;

function inrecord(dir: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), '--config', join(dir, 'inrecord.yaml'), ...args], {
    cwd: resolve('.'),
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finished(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c) => (out += String(c)));
  child.stderr?.on('data', (c) => (err += String(c)));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, out, err };
}

describe('apply --resume after kill -9', () => {
  let sim: RunningPipedriveSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-resume-'));
  const schema = uniqueSchema('resume');
  afterAll(async () => {
    await sim?.close();
    await dropSchemas(schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every record once across the killed run and its resumption', async () => {
    // a tight rate limit keeps the run long enough to be killed in the middle of its writes, after
    // its first batch of 50 is in the ledger
    sim = await startPipedriveSimulator({ records: PEOPLE, seed: 9, rateLimit: { callsPerWindow: 20, windowMs: 1000 } });
    const base = demoConfig('pipedrive', sim);
    const config = {
      crm: base.crm,
      store: { databaseUrl: TEST_DATABASE_URL, schema },
      // the AI owns the score here: every person is written, whatever the seed left in it
      objects: { contact: { fields: { ...base.objects.contact?.fields, 'Lead score': { owner: 'ai' } } } },
      flows: base.flows
        .filter((f) => f.name === 'person-scoring')
        .map((f) => ({ name: f.name, kind: f.kind, object: f.object, outputs: f.outputs, settings: { ...f.settings, model: 'rules' }, gate: { mode: 'open' } })),
    };
    // YAML is a superset of JSON
    writeFileSync(join(dir, 'inrecord.yaml'), JSON.stringify(config, null, 2));
    expect((await finished(inrecord(dir, ['check', '--fix']))).code).toBe(0);

    const patches = () => sim.stats().calls['PATCH /api/v2/persons/{id}'] ?? 0;
    const first = inrecord(dir, ['apply']);
    const firstDone = finished(first);
    const deadline = Date.now() + 60_000;
    while (patches() < 75 && Date.now() < deadline && first.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    expect(first.exitCode).toBeNull();
    first.kill('SIGKILL');
    await firstDone;
    const before = patches();
    expect(before).toBeLessThan(PEOPLE);

    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    let runId: string;
    try {
      const { rows } = await client.query<{ id: string; status: string }>(`SELECT id, status FROM "${schema}".runs WHERE kind = 'apply'`);
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('running');
      runId = rows[0].id;
    } finally {
      await client.end();
    }

    const second = await finished(inrecord(dir, ['--json', 'apply', '--resume', runId]));
    expect(second.code, second.err).toBe(0);
    const report = JSON.parse(second.out).flows[0];
    expect(report.apply.runId).toBe(runId);
    expect(report.resumedAfter).toBeGreaterThan(0);

    // the CRM's own history: one integration change of the score per person, none missing
    const score = sim.state.customDefs('person').find((f) => f.name === 'Lead score');
    expect(score).toBeDefined();
    const ids = sim.state.all('person').map((p) => Number(p.id));
    expect(ids).toHaveLength(PEOPLE);
    const notOnce = ids
      .map((id) => ({ id, writes: sim.state.changelog('person', id).filter((r) => r.field_key === score?.key && r.change_source === 'api').length }))
      .filter((w) => w.writes !== 1);
    expect(notOnce).toEqual([]);
  }, 240_000);
});
