/**
 * The ops console in a real browser (Debian's chromium driven by playwright-core) on the demo's
 * runtime: each action is clicked as a RevOps engineer would, then checked in the store and in the
 * simulated CRM through its connector. Every page is screenshotted; `UPDATE_SCREENSHOTS=1 npx vitest run
 * test/browser` refreshes docs/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../src/crm/types.js';
import { type DemoRuntime, runDemo } from '../../src/demo/index.js';
import { InrecordError } from '../../src/errors/index.js';
import { CrmSnapshot, type IdentityInput, resolveIdentity, resolveWithMap } from '../../src/identity/index.js';
import { type JobEngine, createJobEngine, listDeadLetters } from '../../src/jobs/index.js';
import { drawSample, latestModelVersion } from '../../src/gate/index.js';
import { buildServer, consoleActions } from '../../src/server/index.js';
import { finishRun, insertRun, setRunProgress } from '../../src/writeback/queries.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// UPDATE_SCREENSHOTS=1 refreshes the committed screenshots; otherwise they go to the run's temp dir
const DOC_SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const QUEUE = 'console-test-notes';

const until = async (pred: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!existsSync(CHROMIUM))('ops console in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-console-'));
  const SHOTS = process.env.UPDATE_SCREENSHOTS ? DOC_SHOTS : join(dir, 'screenshots');
  let rt: DemoRuntime;
  let sf: CrmConnector;
  let engine: JobEngine;
  let app: ReturnType<typeof buildServer>;
  let base: string;
  let browser: Browser;
  let page: Page;
  // the poison job's cause, fixed before replay (as an operator fixes config, then replays)
  let noteFixed = false;

  // long tables (a run's ledger) are shot at the viewport only, to keep the PNGs small
  const shot = (name: string, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  const flash = async () => (await page.locator('.flash').textContent())?.trim() ?? '';
  /** The ids of a flow's samples as the validation page lists them. */
  const shownSamples = (flow: string) =>
    page.$$eval('tr[data-sample-id]', (rows, f) => rows.filter((r) => r.children[1]?.textContent === f).map((r) => r.getAttribute('data-sample-id') as string), flow);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    rt = await runDemo({ dataDir: dir, crms: ['salesforce'], salesforcePeople: 400, identitySample: 60, repEdits: 6 });
    sf = rt.connectors.salesforce!;
    engine = await createJobEngine(rt.store, { pollIntervalMs: 200 });
    await engine.register<{ leadId: string; reason: string }>(
      QUEUE,
      async (d) => {
        if (!noteFixed) {
          throw new InrecordError('IR_JOB_POISON', `lead ${d.leadId}: field "Inrecord_Score_Reason__c" got an unusable value`, {
            context: { recordId: d.leadId, field: 'Inrecord_Score_Reason__c' },
          });
        }
        const [r] = await sf.writeBatch('lead', [{ id: d.leadId, fields: { Inrecord_Score_Reason__c: d.reason } }]);
        if (!r.ok) throw new Error(`write of lead ${d.leadId} failed: ${r.message}`);
      },
      { retryLimit: 0 },
    );
    engine.work();
    app = buildServer({
      store: rt.store,
      connectors: {},
      queue: {
        enqueue: async () => {
          throw new InrecordError('IR_USAGE', 'this console takes no webhooks');
        },
      },
      actions: consoleActions({ store: rt.store, config: rt.config, connectors: rt.connectors, engine }),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await engine?.stop();
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the overview with figures from the store', async () => {
    await page.goto(`${base}/`);
    const [{ runs }] = await rt.store.query<{ runs: number }>('SELECT count(*) AS runs FROM runs');
    await expect(page.locator('a.card', { hasText: 'runs' }).locator('b').textContent()).resolves.toBe(String(runs));
    await shot('overview');
  });

  it('resolves an ambiguous identity by picking the candidate', async () => {
    const contacts = [];
    const companies = [];
    for await (const p of sf.listCompanies()) companies.push(...p);
    for await (const p of sf.listContacts()) contacts.push(...p);
    const snap = new CrmSnapshot(contacts, companies);
    // an outside record that names a person at a company where two people share that name
    let input: IdentityInput | undefined;
    let candidates: string[] = [];
    for (const c of contacts) {
      if (!c.last_name || !(c.company_name || c.company_id)) continue;
      const company = companies.find((co) => co.id === c.company_id)?.name ?? c.company_name;
      const probe: IdentityInput = { key: `signup-${c.id}`, type: 'contact', full_name: `${c.first_name ?? ''} ${c.last_name}`.trim(), company_name: company ?? undefined };
      const r = resolveIdentity(probe, snap);
      if (r.status === 'ambiguous' && r.candidates.length >= 2) {
        input = probe;
        candidates = r.candidates;
        break;
      }
    }
    expect(input, 'the seeded org has two people of one name at one company').toBeDefined();
    const [queued] = await resolveWithMap(rt.store, { crm: 'salesforce', inputs: [input!], snapshot: snap, complete: true });
    expect(queued.status).toBe('ambiguous');
    const [item] = await rt.store.query<{ id: number }>(
      "SELECT id FROM review_items WHERE kind = 'identity' AND crm = 'salesforce' AND subject_key = $1 AND status = 'open'",
      [input!.key],
    );
    expect(item).toBeDefined();

    const chosen = candidates[1];
    await page.goto(`${base}/review`);
    const row = page.locator(`tr[data-review-id="${item.id}"]`);
    await expect(row.locator('button[data-testid^="pick-"]').count()).resolves.toBe(candidates.length);
    await shot('review-queue');
    await row.locator(`[data-testid="pick-${item.id}-${chosen}"]`).click();
    await page.waitForURL(/\/review\?done=/);
    expect(await flash()).toContain(`Review item ${item.id} resolved`);
    await expect(page.locator(`tr[data-review-id="${item.id}"]`).count()).resolves.toBe(0);

    // in the store: the link is the reviewer's, the item resolved by the console
    const [link] = await rt.store.query<{ crm_id: string; provenance: string; decided_by: string }>(
      "SELECT crm_id, provenance, decided_by FROM identity_links WHERE crm = 'salesforce' AND object = 'contact' AND external_key = $1",
      [input!.key],
    );
    expect(link).toEqual({ crm_id: chosen, provenance: 'reviewer', decided_by: 'console' });
    const [resolved] = await rt.store.query<{ status: string; resolved_by: string }>('SELECT status, resolved_by FROM review_items WHERE id = $1', [item.id]);
    expect(resolved).toEqual({ status: 'resolved', resolved_by: 'console' });
    // in the CRM: the picked record exists, and the same input now resolves to it through the map
    const [record] = await sf.read('contact', [chosen], ['Email']);
    expect(record?.id.slice(0, 15)).toBe(chosen.slice(0, 15));
    const [again] = await resolveWithMap(rt.store, { crm: 'salesforce', inputs: [input!], snapshot: snap, complete: true });
    expect(again).toMatchObject({ status: 'matched', id: chosen, evidence: 'reviewer' });
  });

  it('replays a dead letter, which then completes and writes to the CRM', async () => {
    const [lead] = await rt.store.query<{ record_id: string }>(
      "SELECT record_id FROM write_ledger WHERE crm = 'salesforce' AND object = 'lead' AND outcome = 'written' ORDER BY id LIMIT 1",
    );
    const reason = `replayed from the console ${Date.now()}`;
    await engine.send(QUEUE, { leadId: lead.record_id, reason });
    await until(async () => (await listDeadLetters(rt.store, { queue: QUEUE })).length > 0);
    const [dl] = await listDeadLetters(rt.store, { queue: QUEUE });
    expect(dl.status).toBe('open');

    await page.goto(`${base}/dlq`);
    const row = page.locator(`tr[data-dlq-id="${dl.id}"]`);
    await expect(row.textContent()).resolves.toContain('IR_JOB_POISON');
    await shot('dead-letters');
    noteFixed = true;
    await row.getByRole('button', { name: 'replay' }).click();
    await page.waitForURL(/\/dlq\?done=/);
    expect(await flash()).toContain(`Dead letter #${dl.id} replayed on ${QUEUE}`);
    await expect(page.locator(`tr[data-dlq-id="${dl.id}"] .pill`).textContent()).resolves.toBe('replayed');

    // in the store: marked replayed, pointing at a job that then completes
    const [after] = (await listDeadLetters(rt.store, { queue: QUEUE })).filter((d) => d.id === dl.id);
    expect(after.status).toBe('replayed');
    expect(after.replayed_job_id).toBeTruthy();
    await until(async () => (await engine.boss.getJobById(QUEUE, after.replayed_job_id!))?.state === 'completed');
    // in the CRM: the replayed job's write landed
    const [rec] = await sf.read('lead', [lead.record_id], ['Inrecord_Score_Reason__c']);
    expect(rec.fields.Inrecord_Score_Reason__c).toBe(reason);
  });

  it('rolls back a run: before-values restored, fields a rep changed since are skipped', async () => {
    const runIds = rt.report.crms.find((c) => c.crm === 'salesforce')!.flows[0].runIds;
    // the run that wrote before the simulated reps edited: rolling it back must spare their edits
    const candidates = await rt.store.query<{ run_id: string; n: number }>(
      `SELECT run_id, count(*)::int AS n FROM write_ledger WHERE run_id = ANY($1::text[]) AND outcome = 'written' GROUP BY run_id ORDER BY n DESC`,
      [runIds],
    );
    expect(candidates.length, 'the demo wrote to Salesforce').toBeGreaterThan(0);
    const runId = candidates[0].run_id;
    const written = await rt.store.query<{ record_id: string; field: string; before_value: unknown; after_value: unknown }>(
      `SELECT record_id, field, before_value, after_value FROM write_ledger WHERE run_id = $1 AND outcome = 'written' AND stamp_for IS NULL ORDER BY id`,
      [runId],
    );
    const fields = [...new Set(written.map((w) => w.field))];
    const ids = [...new Set(written.map((w) => w.record_id))];
    const beforeRollback = new Map((await sf.read('lead', ids, fields)).map((r) => [r.id, r.fields]));
    // which written values a person has changed since (the simulated reps' edits)
    const repChanged = written.filter((w) => String(beforeRollback.get(w.record_id)?.[w.field] ?? null) !== String(w.after_value ?? null));
    expect(repChanged.length, 'the demo simulated rep edits on this run').toBeGreaterThan(0);

    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    await shot('run-before-rollback', false);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('rollback').click();
    await page.waitForURL(/\?done=/);
    const message = await flash();
    const said = new RegExp(`Rolled back ${runId}: \\d+ field\\(s\\) restored, (\\d+) skipped`).exec(message ?? '');
    expect(said, message ?? '').not.toBeNull();
    await shot('run-after-rollback', false);

    // in the CRM: the AI's values are gone, the reps' values stay
    const now = new Map((await sf.read('lead', ids, fields)).map((r) => [r.id, r.fields]));
    const repKeys = new Set(repChanged.map((w) => `${w.record_id}|${w.field}`));
    for (const w of written) {
      const v = now.get(w.record_id)?.[w.field] ?? null;
      if (repKeys.has(`${w.record_id}|${w.field}`)) expect(v, `${w.record_id} ${w.field} keeps the rep's value`).toEqual(beforeRollback.get(w.record_id)?.[w.field] ?? null);
      else expect(v === null || v === '' ? null : v, `${w.record_id} ${w.field} restored`).toEqual(w.before_value === '' ? null : w.before_value);
    }
    // in the store: restored rows point at the rollback run, skipped ones are recorded with why
    const [{ restored, left }] = await rt.store.query<{ restored: number; left: number }>(
      `SELECT count(*) FILTER (WHERE rolled_back_by IS NOT NULL)::int AS restored, count(*) FILTER (WHERE rolled_back_by IS NULL)::int AS left
         FROM write_ledger WHERE run_id = $1 AND outcome = 'written' AND stamp_for IS NULL`,
      [runId],
    );
    expect(left).toBe(repChanged.length);
    expect(restored).toBe(written.length - repChanged.length);
    const skippedAll = await rt.store.query<{ record_id: string; field: string; reason: string }>(
      `SELECT l.record_id, l.field, l.reason FROM write_ledger l JOIN runs r ON r.id = l.run_id
        WHERE r.kind = 'rollback' AND l.outcome = 'conflict_skipped' AND r.summary->>'of' = $1`,
      [runId],
    );
    expect(skippedAll.length).toBe(Number(said?.[1]));
    // a stamp beside a value a rep changed says so now ("Person · …"): it is left, like the value
    const stampFields = new Set(
      (await rt.store.query<{ field: string }>(`SELECT DISTINCT field FROM write_ledger WHERE run_id = $1 AND stamp_for IS NOT NULL`, [runId])).map((r) => r.field),
    );
    const skipped = skippedAll.filter((s) => !stampFields.has(s.field));
    const repRecords = new Set(repChanged.map((w) => w.record_id));
    const stampsNow = new Map((await sf.read('lead', ids, [...stampFields])).map((r) => [r.id, r.fields]));
    for (const s of skippedAll.filter((x) => stampFields.has(x.field))) {
      expect(repRecords.has(s.record_id), `${s.record_id} ${s.field}`).toBe(true);
      expect(String(stampsNow.get(s.record_id)?.[s.field] ?? '')).toMatch(/^Person · /);
    }
    expect(skipped.map((s) => s.record_id).sort()).toEqual(repChanged.map((w) => w.record_id).sort());
    // the reps' edits are known as a person's from the CRM's field history; the replayed job's write above is
    // the integration's own, so that field is left only because its value changed since
    expect(skipped.map((s) => s.reason)).toContain('human-edit-since');
    for (const s of skipped) expect(['human-edit-since', 'changed-since']).toContain(s.reason);
    // the page counts each field's fate after the rollback
    const card = (fate: string) => page.locator(`.card[data-fate="${fate}"] b`).textContent();
    const [all] = await rt.store.query<{ restored: number; kept: number }>(
      `SELECT (SELECT count(*)::int FROM write_ledger WHERE run_id = $1 AND rolled_back_by IS NOT NULL) AS restored,
              (SELECT count(*)::int FROM write_ledger l JOIN runs r ON r.id = l.run_id
                WHERE r.kind = 'rollback' AND r.summary->>'of' = $1 AND l.outcome = 'conflict_skipped') AS kept`,
      [runId],
    );
    await expect(card('rolled back')).resolves.toBe(String(all.restored));
    await expect(card('kept: edited since')).resolves.toBe(String(all.kept));
    await expect(page.getByTestId('rollback').count(), 'nothing is left to roll back').resolves.toBe(0);
  });

  it("keeps a rep's value in a conflict item, and the CRM still holds it", async () => {
    const [item] = await rt.store.query<{ id: number; payload: { recordId: string; field: string; repValue: unknown } }>(
      "SELECT id, payload FROM review_items WHERE kind = 'conflict' AND crm = 'salesforce' AND status = 'open' ORDER BY id LIMIT 1",
    );
    expect(item, 'the demo flagged a rep edit for review').toBeDefined();
    await page.goto(`${base}/review`);
    const row = page.locator(`tr[data-review-id="${item.id}"]`);
    await expect(row.textContent()).resolves.toContain(`rep set ${String(item.payload.repValue)}`);
    await row.getByTestId(`keep_rep-${item.id}`).click();
    await page.waitForURL(/\/review\?done=/);
    expect(await flash()).toContain(`Review item ${item.id} resolved (keep_rep)`);
    const [after] = await rt.store.query<{ status: string; resolution: { action: string } }>('SELECT status, resolution FROM review_items WHERE id = $1', [item.id]);
    expect(after).toMatchObject({ status: 'resolved', resolution: { action: 'keep_rep' } });
    const [rec] = await sf.read('lead', [item.payload.recordId], [item.payload.field]);
    expect(String(rec.fields[item.payload.field])).toBe(String(item.payload.repValue));
  });

  it('labels validation samples and the gate figures follow', async () => {
    const flow = rt.config.flows.find((f) => f.object === 'lead')!;
    const version = (await latestModelVersion(rt.store, flow.name))!;
    await drawSample(rt.store, { flow: flow.name, modelVersion: version, size: 2, drawnBy: 'console test', seed: 'console' });
    const gateRow = () => page.locator(`tr[data-gate="${flow.name}"]`);
    await page.goto(`${base}/validation`);
    // the flow's first two samples on the page (every flow's samples are shown, up to 100 each)
    const drawn = (await shownSamples(flow.name)).slice(0, 2).map((id) => ({ id }));
    expect(drawn.length).toBe(2);
    const labelledBefore = Number((await gateRow().locator('td').nth(3).textContent())!.split('/')[0]);
    await shot('validation');
    for (const s of drawn) {
      await page.locator(`tr[data-sample-id="${s.id}"]`).getByRole('button', { name: 'correct', exact: true }).click();
      await page.waitForURL(/\/validation\?done=/);
      expect(await flash()).toContain(`Sample ${s.id} labelled correct`);
    }
    const rows = await rt.store.query<{ label: string; labelled_by: string }>('SELECT label, labelled_by FROM gate_samples WHERE id = ANY($1::bigint[])', [drawn.map((s) => Number(s.id))]);
    expect(rows).toEqual([
      { label: 'correct', labelled_by: 'console' },
      { label: 'correct', labelled_by: 'console' },
    ]);
    const labelledAfter = Number((await gateRow().locator('td').nth(3).textContent())!.split('/')[0]);
    expect(labelledAfter).toBe(labelledBefore + 2);
    await expect(page.locator(`tr[data-sample-id="${drawn[0].id}"]`).count()).resolves.toBe(0);
  });

  it('labels a range of samples at once with the batch form, and a range naming a missing sample labels none', async () => {
    const flow = rt.config.flows.find((f) => f.object === 'lead')!;
    const version = (await latestModelVersion(rt.store, flow.name))!;
    const drawn = await drawSample(rt.store, { flow: flow.name, modelVersion: version, size: 3, drawnBy: 'console test', seed: 'batch' });
    const ids = drawn.map((s) => Number(s.id)).sort((a, b) => a - b);
    expect(ids[2]! - ids[0]!).toBe(2);
    expect(ids.length).toBe(3);
    const labels = async () =>
      (await rt.store.query<{ id: string; label: string | null }>('SELECT id, label FROM gate_samples WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).map((r) => r.label);
    const batch = async (samples: string, label: 'correct' | 'incorrect') => {
      await page.goto(`${base}/validation`);
      const form = page.getByTestId('batch-label');
      await form.locator('input[name="samples"]').fill(samples);
      await form.locator('select[name="label"]').selectOption(label);
      await form.getByRole('button', { name: 'label' }).click();
      await page.waitForURL(/\/validation\?/);
      return flash();
    };
    // a range running past the last sample: refused, nothing labelled
    const refused = await batch(`s${ids[0]}-s${ids[2] + 1000}`, 'incorrect');
    expect(refused).toMatch(/gate sample \d+ does not exist/);
    expect(await labels()).toEqual([null, null, null]);
    // the three, as a range and a single id, in one submission
    const said = await batch(`s${ids[0]}-s${ids[1]}, s${ids[2]}`, 'incorrect');
    expect(said).toContain('3 samples labelled incorrect.');
    expect(said).toContain(`Gate ${flow.name}@${version}:`);
    expect(await labels()).toEqual(['incorrect', 'incorrect', 'incorrect']);
  });

  it('renders the monitoring page', async () => {
    await page.goto(`${base}/monitor`);
    await expect(page.locator('svg').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('write-success-rate').textContent()).resolves.toMatch(/^\d+\.\d%$/);
    await shot('monitoring');
    await page.goto(`${base}/runs`);
    await shot('runs', false);
  });

  it('follows a running run live, without a reload, until it finishes', async () => {
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    await insertRun(rt.store, { id: 'run_live', kind: 'apply', crm: 'salesforce', flow: 'lead-scoring' });
    await setRunProgress(rt.store, 'run_live', { done: 500, total: 2000, written: 480, calls: 12, startedAt, at: new Date().toISOString() });
    await page.goto(`${base}/runs`);
    const cell = page.locator('[data-run-progress="run_live"]');
    await expect(cell.textContent()).resolves.toContain('500 / 2,000 records');
    // the page is not loaded again: a marker set in it survives the refresh of the cell
    await page.evaluate(() => Object.assign(window, { sameLoad: true }));
    await setRunProgress(rt.store, 'run_live', { done: 1500, total: 2000, written: 1450, calls: 40, startedAt, at: new Date().toISOString() });
    await until(async () => ((await cell.textContent()) ?? '').includes('1,500 / 2,000 records'), 10_000);
    await expect(page.evaluate(() => (window as unknown as { sameLoad?: boolean }).sameLoad)).resolves.toBe(true);
    await shot('runs-live', false);
    // once finished, the page shows the run's summary instead
    await finishRun(rt.store, 'run_live', 'succeeded', { records: 2000 });
    await until(async () => (await page.locator('[data-run-progress]').count()) === 0, 10_000);
  });
});
