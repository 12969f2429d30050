import { cardOf } from '../crm/registry.js';
import type { DemoReport } from './report.js';

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const phaseLine = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k} ${v}`).join(' · ');

/** The demo report as text. Every figure comes from the store and the simulators. */
export function renderDemoReport(r: DemoReport, consoleUrl?: string): string {
  const out: string[] = [];
  out.push(`inrecord demo — ${r.seconds} s, embedded Postgres in ${r.store}`);
  out.push('Gate labels below are simulated from the simulators’ ground truth: the outcomes the CRM records after the shadow run (conversions, customers, deals slipped or lost), the senders’ intent, the companies’ real head count.');
  for (const c of r.crms) {
    out.push('');
    if (!c.available) {
      out.push(`${cardOf(c.crm).displayName}: not run (${c.note ?? 'unavailable'})`);
      continue;
    }
    out.push(`${cardOf(c.crm).displayName} (${c.url}, ${n(c.records ?? 0)} seeded, simulator ${c.simulatorPid === 'in-process' ? 'in this process' : `process ${c.simulatorPid}`})`);
    if (c.identity) {
      const i = c.identity;
      out.push(
        `  identity  ${n(i.sampled)} records sampled: ${n(i.matched)} matched (${n(i.wrong)} to a wrong record), ${n(i.ambiguous)} ambiguous, ${n(i.unmatched)} unmatched — those stop in review, never guessed`,
      );
      const top = Object.entries(i.reasons).sort((a, b) => b[1] - a[1]).slice(0, 2);
      for (const [why, k] of top) out.push(`            ${k}× ${why}`);
    }
    for (const f of c.flows) {
      out.push(`  ${f.flow} (${f.kind})  ${f.explanation}`);
      out.push(`    gate ${f.gate.mode === 'open' ? 'open' : 'shut'}: ${f.gate.reason}`);
      const g = f.gate;
      out.push(
        g.labelled > 0 && g.lowerBound !== null && g.upperBound !== null
          ? `      ${g.correct}/${g.labelled} labels correct (${pct(g.correct / g.labelled)}, 95% interval ${pct(g.lowerBound)}–${pct(g.upperBound)}; the lower bound must reach ${pct(g.threshold)} on ${g.sampleSize}); labels from ${g.labelsFrom}`
          : `      no labels: ${g.labelsFrom}`,
      );
      if (f.outcomes) {
        const o = f.outcomes;
        const auc = (a: { auc: number; lower: number; upper: number }) => `${a.auc.toFixed(3)} (95% CI ${a.lower.toFixed(3)}–${a.upper.toFixed(3)})`;
        out.push(
          `      on all ${n(o.records)} records with a later outcome (${n(o.positives)} positive): AUC ${auc(o.served)} for the ${o.served.model} model${o.rules && o.served.model !== 'rules' ? `, rules ${auc(o.rules)}` : ''}`,
        );
        const h = o.holdout;
        if (h?.trainedAuc != null && h.trainedLower != null && h.trainedUpper != null)
          out.push(`      training hold-out (newest decided records): trained AUC ${auc({ auc: h.trainedAuc, lower: h.trainedLower, upper: h.trainedUpper })} vs rules ${h.rulesAuc?.toFixed(3) ?? 'n/a'}; served: ${h.chosen}`);
      }
      out.push(
        `    ${n(f.records)} records read · ${n(f.shadowed)} outputs held in shadow · fields written ${n(f.written)}, unchanged ${n(f.unchanged)}, rejected ${n(f.rejected)}, conflicts ${n(f.conflicts)}, failed ${n(f.failed)}, not applied ${n(f.notApplied)}`,
      );
      if (f.written > 0) out.push(`    write calls ${n(f.writeCalls)} (minimum the batch limit allows: ${n(f.minimumWriteCalls)})`);
    }
    if (c.inbound) out.push(`  inbound     ${n(c.inbound.contacts)} contacts' latest inbound message (of ${n(c.inbound.messages)}) filed in their description by their rep: the intent flow's input`);
    if (c.repEdits) {
      const r = c.repEdits.race;
      const a = c.repEdits.afterWrite;
      if (r.made > 0)
        out.push(
          `  reps' edits ${n(r.made)} made during the write run, after inrecord read the record: ${n(r.caught)} caught by the conflict check before the write, ${n(r.landedAfterWrite)} landed after it; ${n(r.kept)} hold the rep's value, ${n(r.lost)} lost`,
        );
      if (a.made > 0)
        out.push(`              ${n(a.made)} made after the AI wrote, then another AI run: ${n(a.flagged)} flagged for review, ${n(a.kept)} hold the rep's value, ${n(a.lost)} lost`);
    }
    if (c.dealRisk) {
      const d = c.dealRisk;
      const levels = Object.entries(d.levels).map(([l, k]) => `${n(k)} ${l}`).join(', ');
      out.push(
        `  deal risk   ${n(d.deals)} deals scored (${levels}), first pass a baseline; reps moved ${n(d.repEdits)} close dates: ${n(d.changed)} levels changed, ${n(d.notes)} notes on the deals' timelines, ${n(d.failed)} failed`,
      );
    }
    if (c.usage) {
      const u = c.usage;
      out.push(
        `  usage       ${n(u.rows)} product events from ${u.file}: ${n(u.contacts)} contacts and ${n(u.companies)} companies updated, ${n(u.written)} fields written (${n(u.verified)} read back from the CRM), ${n(u.unmatched)} unknown users in review; a second import added ${n(u.reimportEvents)} events`,
      );
    }
    if (c.activities) {
      const a = c.activities;
      out.push(
        `  mailbox     ${n(a.items)} emails and meetings: ${n(a.imported)} landed as activities on their identified records, ${n(a.unmatched)} unknown senders in review, ${n(a.ownDomain)} internal skipped; a second import created ${n(a.reimported)}`,
      );
    } else if (c.activitiesNote) out.push(`  mailbox     ${c.activitiesNote}`);
    out.push(`  API calls   ${n(c.apiCalls ?? 0)} in all${c.rateLimit ? ` (rate limit ${n(c.rateLimit.callsPerWindow)} per ${c.rateLimit.windowMs / 1000} s)` : ''}`);
    for (const p of c.recordPages) out.push(`  record page ${p}`);
    out.push(`  seconds     ${phaseLine(c.phases)}`);
  }
  out.push('');
  if (r.drift.length > 0) {
    out.push(`drift        ${r.drift.map((d) => `${d.flow} PSI ${d.psi === null ? 'n/a' : d.psi.toFixed(3)} (${d.level})`).join(' · ')}`);
  }
  out.push(`dead letters ${n(r.deadLetters)} open · review queue ${n(r.reviewQueue)} open`);
  out.push(`seconds      ${phaseLine(r.phases)}`);
  if (consoleUrl) out.push(`console      ${consoleUrl}`);
  return out.join('\n');
}
