/**
 * The demo's gate labels, from outcomes a real team would have: what the CRM records after the
 * shadow run (an open lead converts, a contact becomes a customer, an open deal slips or is lost),
 * the intent each sender wrote with, the head count the enrichment source is judged against. The
 * outcomes come from the simulators' ground truth — simulated, and the report says so. A flow with
 * no outcome gets no labels: its gate stays shut and the report says labels are needed.
 *
 * A score is one number, an outcome one bit: a sampled score is judged right when it ranks its
 * record correctly against a record with the opposite outcome drawn at random (ties: a coin), so
 * the share judged right estimates the AUC, and the gate's Wilson bound is an interval on it.
 */
import type { FlowConfig } from '../config/index.js';
import type { CrmName } from '../crm/types.js';
import { aucInterval, buildRulesModel, parseScoringSettings, scoreWithRules } from '../flows/index.js';
import type { Sample } from '../gate/index.js';
import { mulberry32 } from '../random/index.js';
import { inboundText, realisticInbound } from '../simulators/seed/inbound.js';
import type { SeedMessage, World } from '../simulators/seed/index.js';

/** What a simulator's ground truth holds that the demo uses (seen structurally, whatever the CRM). */
export interface DemoTruth {
  idOf?: Record<string, string>;
  world?: World;
  /** By flow object (`lead`, `contact`, `deal`), CRM record id → its later outcome (positive: converts / becomes customer / slips or is lost). */
  laterOutcomes?: Record<string, Record<string, boolean>>;
  /** Pipedrive: each organization's real head count. */
  organizations?: { id: number; employees: number }[];
}

export type Label = 'correct' | 'incorrect';

export interface OutcomeJudge {
  /** The label for a sample, or null when its record has no known outcome. */
  judge: (sample: Sample) => Label | null;
  from: string;
  /** Scores and deal risk: the numeric output judged (its value per record is needed). */
  numericOutput?: string;
}

/** The numeric output a flow's outputs are judged by. */
export function numericOutputOf(flow: FlowConfig): string | null {
  return flow.kind === 'scoring' ? 'score' : flow.kind === 'deal-risk' ? 'risk_score' : null;
}

const OUTCOME_WORDS: Record<string, string> = {
  lead: 'whether each open lead converts later (its Status when decided)',
  contact: 'whether each contact becomes a customer later (lifecycle stage / a won deal)',
  deal: 'what happens to each open deal later (slipped or lost = risky)',
};

/**
 * An inbound message as a sales inbox receives it, and the intent its sender wrote with: an email
 * through the realistic mail generator (quoted threads, signatures, disclaimers, out-of-office
 * notices, forwards, other languages, HTML, typos — seeded by the message's id, so every run files
 * the same text), a call note as the rep typed it. An out-of-office notice carries no intent
 * (not_sales) whatever the sender meant before leaving.
 */
export function inboundAsReceived(m: SeedMessage): { text: string; intent: string } {
  if (m.kind !== 'email') return { text: `${m.subject}\n\n${m.body}`, intent: m.intent };
  const [firstName = '', ...rest] = m.fromName.split(' ');
  const domain = m.fromEmail.split('@')[1] ?? '';
  const company = domain.split('.')[0] ?? '';
  const mail = realisticInbound(mulberry32(hash(m.id)), m.intent, {
    firstName,
    lastName: rest.join(' '),
    company: company.charAt(0).toUpperCase() + company.slice(1),
  });
  return { text: inboundText(mail), intent: mail.intent };
}

/** One string → a 32-bit seed. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A score judged against a random record of the opposite outcome. `values`: the flow's numeric
 * output per record; `outcomes`: the records' later outcomes.
 */
export function pairwiseJudge(
  values: Map<string, number>,
  outcomes: Record<string, boolean>,
  seed: string,
): (recordId: string) => Label | null {
  const pos: string[] = [];
  const neg: string[] = [];
  for (const [id, y] of Object.entries(outcomes)) if (values.has(id)) (y ? pos : neg).push(id);
  return (recordId) => {
    const y = outcomes[recordId];
    const x = values.get(recordId);
    if (y === undefined || x === undefined) return null;
    const pool = y ? neg : pos;
    if (pool.length === 0) return null;
    const rnd = mulberry32(hash(`${seed}:${recordId}`));
    const partner = values.get(pool[Math.floor(rnd() * pool.length)] as string) as number;
    if (x === partner) return rnd() < 0.5 ? 'correct' : 'incorrect';
    return (y ? x > partner : x < partner) ? 'correct' : 'incorrect';
  };
}

/** How the demo labels a flow's samples, or why it cannot. */
export function outcomeJudge(
  crm: CrmName,
  flow: FlowConfig,
  gt: DemoTruth,
  intentOf: Map<string, string>,
  values: Map<string, number>,
): OutcomeJudge {
  if (flow.kind === 'intent' && intentOf.size > 0)
    return {
      judge: (s) =>
        intentOf.has(s.output.record_id)
          ? intentOf.get(s.output.record_id) === String(s.output.value)
            ? 'correct'
            : 'incorrect'
          : null,
      from: 'the intent each simulated sender wrote with',
    };
  const numeric = numericOutputOf(flow);
  const outcomes = gt.laterOutcomes?.[flow.object];
  if (numeric && outcomes && Object.keys(outcomes).length > 0) {
    // one label per record, on its number (a sampled reason or level is left to the next draw)
    const byRecord = pairwiseJudge(values, outcomes, `${crm}/${flow.name}`);
    return {
      judge: (s) => (s.output.output === numeric ? byRecord(s.output.record_id) : null),
      from: `${OUTCOME_WORDS[flow.object] ?? 'the records’ later outcomes'}, ranked against a record with the opposite outcome`,
      numericOutput: numeric,
    };
  }
  if (flow.kind === 'enrichment' && gt.organizations) {
    const real = new Map(gt.organizations.map((o) => [String(o.id), o.employees]));
    return {
      judge: (s) => {
        const truth = real.get(s.output.record_id);
        if (truth === undefined || s.output.output !== 'employee_count') return null;
        return Number(s.output.value) === truth ? 'correct' : 'incorrect';
      },
      from: 'each company’s real head count (the truth the source is judged on)',
    };
  }
  return {
    judge: () => null,
    from: 'none: this flow has no outcome in the CRM to judge it by — labels are needed (a reviewer’s, or an outcome field)',
  };
}

export interface AucFigure {
  auc: number;
  lower: number;
  upper: number;
}

/** AUC of a flow's numbers against the later outcomes, with its DeLong 95 % interval, on every record that has both. */
export function outcomeAuc(
  values: Map<string, number>,
  outcomes: Record<string, boolean>,
): (AucFigure & { n: number; positives: number }) | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [id, y] of Object.entries(outcomes)) {
    const x = values.get(id);
    if (x === undefined) continue;
    xs.push(x);
    ys.push(y ? 1 : 0);
  }
  const positives = ys.filter((y) => y === 1).length;
  if (positives === 0 || positives === ys.length) return null;
  const a = aucInterval(xs, ys);
  return { auc: a.auc, lower: a.lower, upper: a.upper, n: xs.length, positives };
}

/** The flow's hand-written rules, scored on the same records (what `model: auto` compares a trained model with). */
export function rulesScores(
  flow: FlowConfig,
  records: { id: string; fields: Record<string, unknown> }[],
  ids: Iterable<string>,
  now: Date,
): Map<string, number> {
  const rules = buildRulesModel(parseScoringSettings(flow.settings));
  const wanted = new Set(ids);
  const out = new Map<string, number>();
  for (const r of records)
    if (wanted.has(r.id))
      out.set(r.id, scoreWithRules(rules, { id: r.id, fields: r.fields as never }, now.getTime()).score);
  return out;
}
