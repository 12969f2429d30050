/** `inrecord monitor`, `review` and `docs` as a user runs them: a real process on an embedded store. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { recordShadowOutputs } from '../gate/index.js';
import { normalScores } from './testing/distributions.js';

const run = promisify(execFile);
const MAIN = resolve('src/cli/main.ts');

describe('inrecord monitor / review / docs', () => {
  let dir: string;
  const cli = async (...args: string[]) => {
    try {
      const r = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          MAIN,
          '--config',
          join(dir, 'inrecord.yaml'),
          '--data-dir',
          join(dir, 'data'),
          ...args,
        ],
        {
          env: { ...process.env, DATABASE_URL: '' },
        },
      );
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inrecord-monitor-'));
    writeFileSync(
      join(dir, 'inrecord.yaml'),
      `crm: { kind: hubspot, auth: { token: t } }
objects:
  contact:
    fields:
      ai_score: { owner: ai, stamp: ai_score_stamp }
      lifecyclestage: { owner: hybrid }
      hs_lead_status: { owner: rep }
flows:
  - { name: lead-score, kind: scoring, object: contact, outputs: { score: ai_score }, gate: { threshold: 0.2, sampleSize: 1 } }
`,
    );
    writeFileSync(join(dir, 'train.json'), JSON.stringify(normalScores(1000, 50, 15, 1)));
    const store = await openStore({ dataDir: join(dir, 'data') });
    await recordShadowOutputs(store, {
      flow: 'lead-score',
      modelVersion: 'v7',
      outputs: normalScores(200, 70, 15, 2).map((v, i) => ({
        crm: 'hubspot',
        object: 'contact',
        recordId: `c${i}`,
        output: 'score',
        field: 'ai_score',
        value: v,
      })),
    });
    await store.query(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload) VALUES ('conflict', 'hubspot', 'contact', 'c1:lifecyclestage', 'human-edit-since-read', '{"repValue":"customer"}')`,
    );
    await store.close();
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('docs writes the handover for the three ownership kinds', async () => {
    const r = await cli('docs', '--offline');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# AI fields in HubSpot: handover');
    expect(r.stdout).toContain('**Written by the AI** — `contact.ai_score`');
    expect(r.stdout).toContain('**Shared with you** — `contact.lifecyclestage`');
    expect(r.stdout).toContain('**Yours only; the AI never writes them** — `contact.hs_lead_status`');
  }, 120_000);

  it('monitor reports drift with its PSI and exits 1 on an alert', async () => {
    const r = await cli('monitor', '--reference', `lead-score=${join(dir, 'train.json')}`, '--no-notify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/drift {7}ALERT — PSI \d\.\d{3} ≥ alert 0.25/);
    expect(r.stdout).toContain('training');
    const j = await cli(
      '--json',
      'monitor',
      '--reference',
      `lead-score=${join(dir, 'train.json')}`,
      '--no-notify',
    );
    const report = JSON.parse(j.stdout);
    expect(report.flows[0]).toMatchObject({
      flow: 'lead-score',
      modelVersion: 'v7',
      drift: { level: 'alert', n: 200 },
    });
    expect(report.flows[0].drift.psi).toBeGreaterThan(0.25);
  }, 120_000);

  it('review draws samples, a label opens the gate, and the decision is recorded', async () => {
    // gate: one label, threshold 0.2 — the Wilson lower bound of 1/1 is 0.207
    const drawn = JSON.parse(
      (await cli('--json', 'review', 'samples', 'lead-score', '--draw', '2', '--seed', 'x')).stdout,
    );
    expect(drawn).toMatchObject({ modelVersion: 'v7', drawn: 2 });
    expect(drawn.samples).toHaveLength(2);
    const labelled = JSON.parse(
      (await cli('--json', 'review', 'label', `s${drawn.samples[0].id}`, 'correct', '--by', 'ana')).stdout,
    );
    expect(labelled.gate).toMatchObject({
      mode: 'open',
      reasonCode: 'passed',
      decidedBy: 'ana',
      figures: { n: 1, correct: 1 },
    });
    const gate = JSON.parse((await cli('--json', 'review', 'gate', 'lead-score')).stdout);
    expect(gate.status).toMatchObject({ mode: 'open', decidedBy: 'ana' });
    expect(gate.history).toHaveLength(1);
  }, 120_000);

  it('review labels many samples in one process: ranges, a file, and nothing labelled when one id is wrong', async () => {
    const drawn = JSON.parse((await cli('--json', 'review', 'samples', 'lead-score', '--draw', '4', '--seed', 'y')).stdout);
    // the draw lists every unlabelled sample: the four new ones and any left from before
    const ids = (drawn.samples as { id: number }[]).map((x) => x.id).sort((a, b) => a - b).slice(-4);
    expect(ids).toHaveLength(4);
    const bad = await cli('review', 'label', `s${ids[0]}`, 's999999', 'incorrect', '--by', 'ana');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('gate sample 999999 does not exist');
    const untouched = JSON.parse((await cli('--json', 'review', 'samples', 'lead-score', '--all')).stdout);
    expect(untouched.samples.find((x: { id: number }) => x.id === ids[0]).label).toBeNull();
    writeFileSync(join(dir, 'labels.txt'), [`# first pass`, `s${ids[0]} correct`, `s${ids[1]},incorrect,wrong tier`, ''].join('\n'));
    const fromFile = JSON.parse((await cli('--json', 'review', 'label', '--from-file', join(dir, 'labels.txt'), '--by', 'ana')).stdout);
    expect(fromFile.samples.map((x: { id: number; label: string; note: string | null }) => [x.id, x.label, x.note])).toEqual([
      [ids[0], 'correct', null],
      [ids[1], 'incorrect', 'wrong tier'],
    ]);
    const consecutive = ids[3] - ids[2] === 1;
    const args = consecutive ? [`s${ids[2]}-s${ids[3]}`] : [`s${ids[2]}`, `s${ids[3]}`];
    const ranged = JSON.parse((await cli('--json', 'review', 'label', ...args, 'correct', '--by', 'ana')).stdout);
    expect(ranged.samples.map((x: { id: number }) => x.id)).toEqual([ids[2], ids[3]]);
    expect(ranged.gates).toHaveLength(1);
  }, 120_000);

  it('review lists and resolves a conflict', async () => {
    const list = await cli('review', 'list', '--kind', 'conflict');
    expect(list.stdout).toMatch(/^#1 {2}conflict/);
    const r = await cli('review', 'resolve', '1', '--keep-rep', '--by', 'ana');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('#1 resolved: {"action":"keep_rep","repValue":"customer"}');
    const again = await cli('review', 'resolve', '1', '--dismiss');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('IR_REVIEW_ALREADY_RESOLVED');
  }, 120_000);
});
