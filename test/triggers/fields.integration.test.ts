/**
 * A daemon started before its fields exist: the outputs are refused with IR_FIELD_NOT_FOUND (in the
 * ledger, never silent); once `inrecord check --fix` creates the fields — from another process, while
 * the daemon runs — the next change is scored and written without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import { demoConfig } from '../../src/demo/index.js';
import { MISSING_FIELDS_RECHECK_MS } from '../../src/pipeline/flows.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

describe('fields created while the daemon runs (Pipedrive simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { seed: 9, records: 20 });
    store = await openTestStore('pglite');
    const base = demoConfig('pipedrive', sim);
    config = configSchema.parse({
      ...base,
      objects: { contact: { fields: { fit_score: { owner: 'ai' }, fit_reasons: { owner: 'ai', truncate: true } } } },
      flows: base.flows
        .filter((f) => f.name === 'person-scoring')
        .map((f) => ({
          ...f,
          outputs: { score: 'fit_score', score_reason: 'fit_reasons' },
          gate: { ...f.gate, mode: 'open' },
          settings: { ...f.settings, model: 'rules' },
          trigger: { webhook: false, poll: '1h' },
        })),
    });
    // fit_score and fit_reasons do not exist yet
    daemon = await startDaemon(store, config, { port: 0, poll: false, backfill: true });
  }, 90_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  it('refuses the outputs while the fields are missing, and writes them once check --fix created them', async () => {
    await daemon.pollNow();
    await daemon.engine.drain('records', 60_000);
    const refused = await store.query<{ code: string; message: string }>("SELECT code, message FROM write_ledger WHERE outcome = 'rejected' AND record_id = '4'");
    expect(refused.map((r) => r.code)).toContain('IR_FIELD_NOT_FOUND');
    expect(refused.find((r) => r.code === 'IR_FIELD_NOT_FOUND')?.message).toMatch(/inrecord check --fix/);

    // another process creates the fields
    const other = await createConnector(config.crm, {});
    const check = await checkLive(other, config, { fix: true });
    expect(check.ok, JSON.stringify(check)).toBe(true);
    const score = (await other.describe('contact')).fields.find((f) => f.label === 'Fit score')!;
    await other.close();

    // a rep edits person 4; the daemon, never restarted, notices the new fields and writes the score
    await new Promise((r) => setTimeout(r, Math.max(1100, MISSING_FIELDS_RECHECK_MS)));
    await sim.repEdit({ object: 'persons', id: '4', fields: { job_title: 'VP Sales' } });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await daemon.pollNow()).toBeGreaterThanOrEqual(1);
    await daemon.engine.drain('records', 60_000);
    const [after] = await daemon.connector.read('contact', ['4'], [score.name]);
    expect(typeof after.fields[score.name]).toBe('number');
  }, 120_000);
});
