/**
 * `inrecord train <flow>` as a user runs it, a real process against the Salesforce simulator: the
 * model is trained through the pipeline's own preparation, the report comes out as one JSON object,
 * is stored with the model version, and `--show` prints it again without training.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startDaemon } from '../../src/daemon/index.js';
import { openStore } from '../../src/store/index.js';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../../src/store/testing/index.js';

const run = promisify(execFile);

describe('inrecord train', () => {
  let sim: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-train-'));
  const schema = uniqueSchema('train');
  const config = join(dir, 'inrecord.yaml');
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), '--config', config, ...args], {
      cwd: resolve('.'),
      env: { ...process.env, DATABASE_URL: '' },
    });

  beforeAll(async () => {
    sim = await startSimulator('salesforce', { records: 1200, seed: 5 });
    writeFileSync(
      config,
      [
        'crm:',
        '  kind: salesforce',
        `  baseUrl: ${sim.apiBase}`,
        '  auth:',
        `    token: ${sim.token}`,
        'store:',
        `  databaseUrl: ${TEST_DATABASE_URL}`,
        `  schema: ${schema}`,
        'flows:',
        '  - name: lead-scoring',
        '    kind: scoring',
        '    object: lead',
        '    outputs: { score: Inrecord_Score__c }',
        '    settings:',
        '      model: auto',
        '      minConversions: 50',
        '      label: { field: IsConverted, decided: { field: Status, values: [Closed - Converted, Closed - Not Converted] } }',
        '      features:',
        "        visits: { field: Web_Visits__c, label: '{value} website visits' }",
        "        opens: { field: Email_Opens__c, label: '{value} email opens' }",
        "        engaged: { field: Last_Engaged__c, type: date, label: 'last engaged {value} days ago', missingLabel: never engaged }",
        "        source: { field: LeadSource, type: category, label: 'source {value}' }",
        "        employees: { field: NumberOfEmployees, label: '{value} employees' }",
        '      rules:',
        '        - { feature: visits, points: 2, per: 1, max: 30 }',
        '        - { feature: opens, points: 3, per: 1, max: 30 }',
        '  - name: enrich',
        '    kind: enrichment',
        '    object: lead',
        '    outputs: { industry: Industry }',
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    await sim?.close();
    await dropSchemas(schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains now, prints the report as JSON, stores it, and --show prints it again without training', async () => {
    const { stdout } = await cli('--json', 'train', 'lead-scoring');
    const report = JSON.parse(stdout);
    expect(report.flow).toBe('lead-scoring');
    expect(['trained', 'rules']).toContain(report.chosen);
    // a model was fitted and judged: decided records of both classes, a hold-out, a fit
    expect(report.records.converted).toBeGreaterThanOrEqual(50);
    expect(report.records.notConverted).toBeGreaterThanOrEqual(50);
    // both families were fitted on the same hold-out; the one judged against the rules is named, with why
    expect(report.families.map((f: { family: string }) => f.family)).toEqual(['logistic', 'boosted']);
    for (const f of report.families) expect(f.aucLower).toBeLessThanOrEqual(f.auc);
    expect(['logistic', 'boosted']).toContain(report.family);
    expect(report.candidateVersion).toMatch(report.family === 'boosted' ? /^gb-/ : /^lr-/);
    expect(report.familyWhy).toMatch(/^(logistic regression|boosted trees): boosted trees' held-out AUC \d\.\d{3} vs logistic \d\.\d{3}, difference [+−]\d\.\d{3} \(95% CI [+−]\d\.\d{3} to [+−]\d\.\d{3}\)/);
    expect(report.boost.trees).toBeGreaterThan(0);
    const h = report.holdout;
    expect(h.rows).toBeGreaterThan(0);
    expect(h.aucLower).toBeLessThanOrEqual(h.auc);
    expect(h.auc).toBeLessThanOrEqual(h.aucUpper);
    expect(h.rulesAuc).toBeGreaterThan(0);
    expect(h.brier).toBeGreaterThan(0);
    expect(h.brier).toBeLessThan(0.25);
    // the served model follows the selection rule, and says why
    if (report.chosen === 'trained') {
      expect(h.aucLower).toBeGreaterThan(h.rulesAuc);
      expect(report.modelVersion).toMatch(report.family === 'boosted' ? /^gb-/ : /^lr-/);
      expect(report.rejected).toBeNull();
    } else {
      expect(report.rejected).not.toBeNull();
      expect(report.why).toMatch(/^rules model: /);
    }
    // the lift table covers the hold-out: every record once, every conversion captured by the last decile
    expect(report.lift).toHaveLength(10);
    expect(report.lift.reduce((s: number, l: { records: number }) => s + l.records, 0)).toBe(h.rows);
    expect(report.lift.at(-1).captured).toBe(1);
    expect(report.lift[0].precision).toBe(h.topDecilePrecision);
    expect(report.strongest.length).toBeGreaterThan(0);
    for (const f of report.strongest) expect(f.name).not.toMatch(/\{value\}/);
    expect(report.penalty.chosenBy).toBe('cross-validation');
    expect(report.fit.iterations).toBeGreaterThan(0);

    const shown = JSON.parse((await cli('--json', 'train', 'lead-scoring', '--show')).stdout);
    expect(shown).toEqual({ ...report, active: report.chosen === 'trained' });

    const text = (await cli('train', 'lead-scoring', '--show')).stdout;
    expect(text).toContain(
      `flow lead-scoring: scores with the ${report.chosen} model ${report.modelVersion}`,
    );
    expect(text).toMatch(/AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\) vs rules \d\.\d{3}/);
    expect(text).toContain('lift on the hold-out');
    expect(text).toContain(`  family: ${report.familyWhy}`);
  }, 120_000);

  it('refuses a flow that is not a scoring flow, and --show without a stored report says to train', async () => {
    const notScoring = await cli('--json', 'train', 'enrich').catch((e) => e);
    expect(notScoring.code).toBe(2);
    expect(JSON.parse(notScoring.stdout).error).toMatchObject({
      code: 'IR_USAGE',
      message: expect.stringContaining('only scoring flows train a model'),
    });
    const none = await cli('--json', 'train', 'enrich', '--show').catch((e) => e);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).error).toMatchObject({
      code: 'IR_MODEL_NOT_TRAINED',
      fix: expect.stringContaining('inrecord train enrich'),
    });
  }, 60_000);

  it('the daemon logs the choice once at start, in one info line with its figures', async () => {
    const cfg = loadConfig(config);
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const daemon = await startDaemon(store, cfg, { serve: false, poll: false, logger });
    await daemon.stop();
    await store.close();
    const choice = lines.filter(
      (l) =>
        l.flow === 'lead-scoring' &&
        typeof l.msg === 'string' &&
        l.msg.startsWith('flow lead-scoring: scoring with'),
    );
    expect(choice).toHaveLength(1);
    const [line] = choice;
    expect(line.level).toBe(30);
    expect(line.modelVersion).toEqual(expect.any(String));
    if (line.chosen === 'trained') {
      expect(line.msg).toMatch(
        /^flow lead-scoring: scoring with trained model (lr|gb)-\w+: held-out AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\) vs rules \d\.\d{3}$/,
      );
      expect(line.aucLower as number).toBeGreaterThan(line.rulesAuc as number);
    } else {
      expect(line.chosen).toBe('rules');
      expect(line.msg).toContain('scoring with rules model');
    }
  }, 120_000);
});
