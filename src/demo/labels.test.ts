import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/index.js';
import type { Sample } from '../gate/index.js';
import type { SeedMessage } from '../simulators/seed/index.js';
import { inboundAsReceived, outcomeAuc, outcomeJudge, pairwiseJudge } from './labels.js';

const sample = (recordId: string, output: string, value: unknown) =>
  ({ output: { record_id: recordId, output, value } }) as unknown as Sample;

const flows = configSchema.parse({
  crm: { kind: 'pipedrive', baseUrl: 'http://127.0.0.1:1', auth: { token: 't' } },
  flows: [
    {
      name: 'score',
      kind: 'scoring',
      object: 'contact',
      outputs: { score: 'Lead score' },
      settings: { rules: [] },
    },
    {
      name: 'sum',
      kind: 'summary',
      object: 'deal',
      outputs: { summary: 'Summary' },
      settings: { textField: 'notes' },
    },
  ],
}).flows;

describe('demo labels from outcomes', () => {
  it('a score is right when it ranks its record against one of the opposite outcome; the share right is the AUC', () => {
    // positives score 60–99, negatives 0–79: a known AUC
    const values = new Map<string, number>();
    const outcomes: Record<string, boolean> = {};
    for (let i = 0; i < 400; i++) {
      const pos = i % 4 === 0;
      values.set(`r${i}`, pos ? 60 + (i % 40) : i % 80);
      outcomes[`r${i}`] = pos;
    }
    const judge = pairwiseJudge(values, outcomes, 'seed');
    const labels = Object.keys(outcomes).map((id) => judge(id));
    const share = labels.filter((l) => l === 'correct').length / labels.length;
    const auc = outcomeAuc(values, outcomes);
    expect(auc).not.toBeNull();
    expect(Math.abs(share - (auc?.auc ?? 0))).toBeLessThan(0.06);
    // labels that can fail: some are wrong
    expect(labels).toContain('incorrect');
    // deterministic, and a record with no outcome gets no label
    expect(Object.keys(outcomes).map((id) => judge(id))).toEqual(labels);
    expect(judge('unknown')).toBeNull();
  });

  it('judges only the number of a record (one label per record), and gives no label where no outcome exists', () => {
    const values = new Map([
      ['a', 80],
      ['b', 20],
    ]);
    const judge = outcomeJudge(
      'pipedrive',
      flows[0]!,
      { laterOutcomes: { contact: { a: true, b: false } } },
      new Map(),
      values,
    );
    expect(judge.judge(sample('a', 'score', 80))).toBe('correct');
    expect(judge.judge(sample('b', 'score', 20))).toBe('correct');
    expect(judge.judge(sample('a', 'score_reason', 'x'))).toBeNull();
    expect(judge.from).toMatch(/later/);
    const none = outcomeJudge('pipedrive', flows[1]!, {}, new Map(), new Map());
    expect(none.judge(sample('a', 'summary', 'x'))).toBeNull();
    expect(none.from).toMatch(/labels are needed/);
  });

  it('enrichment is judged on the real head count', () => {
    const flow = configSchema.parse({
      crm: { kind: 'pipedrive', baseUrl: 'http://127.0.0.1:1', auth: { token: 't' } },
      flows: [
        {
          name: 'enrich',
          kind: 'enrichment',
          object: 'company',
          outputs: { employee_count: 'employee_count' },
          settings: { provider: 'offline', lookup: 'company', keyField: 'website' },
        },
      ],
    }).flows[0]!;
    const judge = outcomeJudge(
      'pipedrive',
      flow,
      { organizations: [{ id: 7, employees: 120 }] },
      new Map(),
      new Map(),
    );
    expect(judge.judge(sample('7', 'employee_count', 120))).toBe('correct');
    expect(judge.judge(sample('7', 'employee_count', 480))).toBe('incorrect');
    expect(judge.judge(sample('8', 'employee_count', 120))).toBeNull();
  });
});

describe('inbound messages as a sales inbox receives them', () => {
  const message = (i: number, kind: SeedMessage['kind']): SeedMessage => ({
    id: `ms_${String(i).padStart(6, '0')}`,
    kind,
    fromEmail: 'ana.garcia@nordwind.de',
    fromName: 'Ana García',
    contactId: 'ct_000001',
    subject: 'Quote request',
    body: 'Hi,\n\nWe are ready to move forward and need a quote for 40 seats.\n\nThanks,\nAna',
    at: '2026-11-01T00:00:00.000Z',
    intent: 'high',
  });

  it('an email through the realistic generator, the same text on every run; a call note as typed', () => {
    const emails = Array.from({ length: 200 }, (_, i) => message(i, 'email'));
    const got = emails.map(inboundAsReceived);
    expect(emails.map(inboundAsReceived)).toEqual(got);
    expect(got.some((g) => /wrote:|schrieb|a écrit|escribió|^From: /m.test(g.text))).toBe(true);
    expect(got.some((g) => g.text.includes('Ana García'))).toBe(true);
    // an out-of-office notice carries no intent; every other email keeps its sender's
    for (const g of got)
      expect(g.intent).toBe(
        /Automatic reply|Out of Office|Auto-Reply|Abwesenheitsnotiz|Automatische Antwort|Réponse automatique|Absence du bureau|Respuesta automática|Fuera de la oficina/.test(
          g.text.split('\n')[0] ?? '',
        )
          ? 'not_sales'
          : 'high',
      );
    const note = message(1, 'call_note');
    expect(inboundAsReceived(note)).toEqual({ text: `${note.subject}\n\n${note.body}`, intent: 'high' });
  });
});
