/**
 * The main job end to end on small simulated CRMs, each simulator in its own process as in
 * `inrecord demo`: every figure of the report is computed from the store and the simulators, and
 * the promises hold — no wrong identity match, writes land, reps' edits made between inrecord's
 * read and its write (and after it) survive, shadow mode writes nothing until the gate opens; the
 * intent, deal-risk, usage and mailbox parts land in the CRM.
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
    rt = await runDemo({
      dataDir: dir,
      crms: ['salesforce', 'pipedrive'],
      // enough leads for 1,000 conversions: the lead-scoring flow trains
      salesforcePeople: 700,
      pipedrivePersons: 120,
      identitySample: 150,
      repEdits: 10,
      // the default: each simulator a child process running this CLI (from the sources here, with tsx)
    });
    const { report, store } = rt;
    for (const crm of report.crms) {
      expect(crm.available, crm.crm).toBe(true);
      expect(crm.identity!.wrong, `${crm.crm} wrong identity matches`).toBe(0);
      expect(crm.identity!.correct).toBeGreaterThan(crm.identity!.sampled * 0.8);
      const scoring = crm.flows[0];
      expect(scoring.shadowed, 'the first run is in shadow').toBeGreaterThan(0);
      // labelled from what the CRM records later: scores rank right or wrong, so labels can fail
      expect(scoring.gate.labelsFrom, crm.crm).toMatch(/later/);
      expect(scoring.gate.labelled).toBeGreaterThan(0);
      expect(scoring.gate.labelled).toBeLessThanOrEqual(scoring.gate.sampleSize);
      expect(scoring.gate.correct, `${crm.crm} some scores rank wrong`).toBeLessThan(scoring.gate.labelled);
      expect(scoring.outcomes!.served.lower).toBeLessThan(scoring.outcomes!.served.auc);
      expect(scoring.outcomes!.served.upper).toBeGreaterThan(scoring.outcomes!.served.auc);
      expect(typeof crm.simulatorPid, 'the simulator ran in a process of its own').toBe('number');
      if (scoring.gate.mode === 'open') {
        expect(scoring.written).toBeGreaterThan(0);
        expect(scoring.writeCalls).toBe(scoring.minimumWriteCalls);
        expect(crm.repEdits!.race.made).toBeGreaterThan(0);
        // the first page's edits land before the write run starts, after the read: always caught
        expect(crm.repEdits!.race.caught, `${crm.crm} race edits caught by the conflict check`).toBeGreaterThan(0);
        expect(crm.repEdits!.afterWrite.made).toBeGreaterThan(0);
      } else {
        // a closed gate writes nothing: shadow mode only records
        expect(scoring.written).toBe(0);
        expect(scoring.gate.lowerBound! < scoring.gate.threshold || scoring.gate.labelled < scoring.gate.sampleSize).toBe(true);
      }
      // reps' edits: made between read and write, none lost; after the write, none lost either
      expect(crm.repEdits!.race.lost, `${crm.crm} race edits lost`).toBe(0);
      expect(crm.repEdits!.race.kept).toBe(crm.repEdits!.race.made);
      expect(crm.repEdits!.afterWrite.lost, `${crm.crm} edits lost to the next run`).toBe(0);
      expect(crm.activities?.imported, `${crm.crm} mailbox`).toBeGreaterThan(0);
      expect(crm.activities?.reimported).toBe(0);
      expect(Object.keys(crm.phases)).toContain('simulator start and seed');
    }
    expect(report.crms.some((c) => c.flows[0].gate.mode === 'open' && c.repEdits!.race.caught > 0)).toBe(true);
    const [sf, pd] = report.crms;
    // intent: labels from the senders' own intent; the flow classified the filed messages
    const intent = sf!.flows.find((f) => f.kind === 'intent')!;
    expect(sf!.inbound!.contacts).toBeGreaterThan(0);
    expect(intent.records).toBeGreaterThanOrEqual(sf!.inbound!.contacts);
    expect(intent.gate.labelsFrom).toContain('intent');
    expect(intent.gate.labelled).toBeGreaterThan(0);
    // Salesforce leads: the trained model and the rules, both on the leads' later outcomes
    const lead = sf!.flows[0]!.outcomes!;
    expect(lead.positives).toBeGreaterThan(0);
    expect(lead.rules!.auc).toBeGreaterThan(0.5);
    // enrichment judged on each company's real head count; deal risk on what the deals did later
    const enrich = pd!.flows.find((f) => f.kind === 'enrichment')!;
    expect(enrich.gate.labelsFrom).toContain('head count');
    expect(enrich.gate.labelled).toBeGreaterThan(0);
    const riskFlow = pd!.flows.find((f) => f.kind === 'deal-risk')!;
    expect(riskFlow.gate.labelsFrom).toContain('deal');
    expect(riskFlow.outcomes!.records).toBeGreaterThan(0);
    // deal risk: a baseline, then exactly the changed levels noted, each note id kept in the store
    const risk = pd!.dealRisk!;
    expect(risk.deals).toBeGreaterThan(0);
    expect(risk.baseline).toBe(risk.deals);
    expect(risk.notes).toBe(risk.changed);
    expect(risk.notes).toBeGreaterThan(0);
    expect(risk.notesInStore).toBe(risk.notes);
    expect(pd!.flows.find((f) => f.kind === 'deal-risk')!.records).toBe(risk.deals);
    // usage: the written aggregates read back from the CRM, and a re-import adds nothing
    const usage = pd!.usage!;
    expect(usage.events).toBeGreaterThan(0);
    expect(usage.written).toBeGreaterThan(0);
    expect(usage.verified).toBe(usage.written);
    expect(usage.failed).toBe(0);
    expect(usage.reimportEvents).toBe(0);
    const [{ usageWrites }] = await store.query<{ usageWrites: number }>(
      "SELECT count(*)::int AS \"usageWrites\" FROM write_ledger WHERE flow LIKE 'usage-%' AND outcome = 'written'",
    );
    expect(usageWrites).toBe(usage.written);
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
