/**
 * Deal-risk insights on the deal's own timeline: the deal-risk flow (src/flows, `kind: deal-risk`)
 * scores every deal; when a deal's level differs from the last level noted for it, a note saying
 * from what to what and why (the factors) is added to the deal. The first run only records the
 * levels (a baseline), unless asked to note them all. Risk score / level fields are written by the
 * flow runner through write-back, not here.
 */
import type { FlowConfig } from '../config/index.js';
import type { CrmConnector } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { buildDealRiskModel, flowSettingsOf } from '../flows/index.js';
import type { Store } from '../store/index.js';
import { selectRiskLevels, upsertRiskLevel } from './queries.js';

export interface RiskChange {
  dealId: string;
  from: string | null;
  to: string;
  score: number;
  note: string;
}

/** Which deals get a note (pure): a changed level, or any level on a first sight when `noteNew`. */
export function riskChanges(
  previous: ReadonlyMap<string, string>,
  current: readonly { dealId: string; level: string; score: number; reason: string }[],
  noteNew: boolean,
): { changes: RiskChange[]; baseline: string[] } {
  const changes: RiskChange[] = [];
  const baseline: string[] = [];
  for (const c of current) {
    const before = previous.get(c.dealId) ?? null;
    if (before === c.level) continue;
    if (before === null && !noteNew) {
      baseline.push(c.dealId);
      continue;
    }
    const head = before === null ? `Deal risk ${c.level}` : `Deal risk changed from ${before} to ${c.level}`;
    changes.push({ dealId: c.dealId, from: before, to: c.level, score: c.score, note: `${head} (${c.score}/100): ${c.reason}.` });
  }
  return { changes, baseline };
}

export interface DealRiskNotesSummary {
  deals: number;
  changed: number;
  notes: number;
  baseline: number;
  failed: { dealId: string; message: string }[];
}

/** Scores every deal with the flow and notes the level changes on the deals' timelines. */
export async function noteDealRiskChanges(
  store: Store,
  connector: Pick<CrmConnector, 'crm' | 'readChanged' | 'createActivity'>,
  flow: FlowConfig,
  opts: { now?: Date; noteNew?: boolean } = {},
): Promise<DealRiskNotesSummary> {
  if (flow.kind !== 'deal-risk' || flow.object !== 'deal')
    throw new InrecordError('IR_CONFIG_INVALID', `flow ${flow.name} is not a deal-risk flow on deals`, {
      fix: 'Pass a flow with kind: deal-risk and object: deal.',
    });
  const model = buildDealRiskModel(flowSettingsOf(flow));
  const fields = [...new Set(Object.values((flow.settings as { features?: Record<string, { field: string }> })?.features ?? {}).map((f) => f.field))];
  const nowMs = (opts.now ?? new Date()).getTime();
  const current: { dealId: string; level: string; score: number; reason: string }[] = [];
  for await (const page of connector.readChanged('deal', null, fields))
    for (const rec of page) {
      const out = model.score({ id: rec.id, fields: rec.fields }, nowMs);
      const score = Number(out.find((o) => o.name === 'risk_score')?.value ?? 0);
      const level = String(out.find((o) => o.name === 'risk_level')?.value ?? 'low');
      current.push({ dealId: rec.id, level, score, reason: out.find((o) => o.name === 'risk_level')?.reason ?? '' });
    }
  const previous = await selectRiskLevels(store, connector.crm);
  const { changes, baseline } = riskChanges(previous, current, opts.noteNew ?? false);
  const summary: DealRiskNotesSummary = { deals: current.length, changed: changes.length, notes: 0, baseline: baseline.length, failed: [] };
  const byId = new Map(current.map((c) => [c.dealId, c]));
  for (const id of baseline) {
    const c = byId.get(id) as (typeof current)[number];
    await upsertRiskLevel(store, connector.crm, id, c.level, c.score, null);
  }
  for (const ch of changes) {
    try {
      const note = await connector.createActivity({ kind: 'note', subject: `Deal risk: ${ch.to}`, body: ch.note, associations: [{ object: 'deal', id: ch.dealId }] });
      // the level is recorded only once its note exists: a failed note is retried on the next run
      await upsertRiskLevel(store, connector.crm, ch.dealId, ch.to, ch.score, note.id);
      summary.notes++;
    } catch (err) {
      summary.failed.push({ dealId: ch.dealId, message: `deal ${ch.dealId}: the risk note (${ch.from ?? 'none'} → ${ch.to}) was not added: ${(err as Error).message}` });
    }
  }
  return summary;
}
