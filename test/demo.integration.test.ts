/**
 * The main job end to end on small simulated CRMs: every figure of the report is computed from the
 * store and the simulators, and the promises hold — no wrong identity match, writes land, reps'
 * edits survive the next AI run, shadow mode writes nothing until the gate opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoRuntime, renderDemoReport, runDemo } from '../src/demo/index.js';

describe('inrecord demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-demo-'));
  let rt: DemoRuntime | undefined;
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconciles, gates, writes back, protects rep edits and reports real figures', async () => {
    rt = await runDemo({ dataDir: dir, crms: ['salesforce', 'pipedrive'], salesforcePeople: 400, pipedrivePersons: 120, identitySample: 150, repEdits: 10 });
    const { report, store } = rt;
    for (const crm of report.crms) {
      expect(crm.available, crm.crm).toBe(true);
      expect(crm.identity!.wrong, `${crm.crm} wrong identity matches`).toBe(0);
      expect(crm.identity!.correct).toBeGreaterThan(crm.identity!.sampled * 0.8);
      const scoring = crm.flows[0];
      expect(scoring.shadowed, 'the first run is in shadow').toBeGreaterThan(0);
      expect(scoring.gate.labelled).toBe(100);
      if (scoring.gate.mode === 'open') {
        expect(scoring.written).toBeGreaterThan(0);
        expect(scoring.writeCalls).toBe(scoring.minimumWriteCalls);
        expect(crm.humanEdits!.made).toBeGreaterThan(0);
      } else {
        // a closed gate writes nothing: shadow mode only records
        expect(scoring.written).toBe(0);
        expect(scoring.gate.lowerBound!).toBeLessThan(scoring.gate.threshold);
      }
      expect(crm.humanEdits!.lost).toBe(0);
    }
    expect(report.crms.some((c) => c.flows[0].gate.mode === 'open' && c.humanEdits!.made > 0)).toBe(true);
    // the figures are the store's
    const [{ written }] = await store.query<{ written: number }>("SELECT count(*) AS written FROM write_ledger WHERE outcome = 'written'");
    const reported = report.crms.flatMap((c) => c.flows).reduce((s, f) => s + f.written, 0);
    expect(written).toBeGreaterThanOrEqual(reported);
    const [{ open }] = await store.query<{ open: number }>("SELECT count(*) AS open FROM review_items WHERE status = 'open'");
    expect(report.reviewQueue).toBe(open);
    // shadow outputs were recorded before anything was written
    const [{ shadow }] = await store.query<{ shadow: number }>('SELECT count(*) AS shadow FROM shadow_outputs');
    expect(shadow).toBeGreaterThan(0);
    const text = renderDemoReport(report);
    expect(text).toContain('Salesforce');
    expect(text).toContain('simulated');
  }, 300_000);
});
