import type { DemoReport } from './run.js';

const n = (x: number) => x.toLocaleString('en-US');
const NAMES = { hubspot: 'HubSpot', salesforce: 'Salesforce', pipedrive: 'Pipedrive' } as const;

/** The demo report as text. Every figure comes from the store and the simulators. */
export function renderDemoReport(r: DemoReport, consoleUrl?: string): string {
  const out: string[] = [];
  out.push(`inrecord demo — ${r.seconds} s, embedded Postgres in ${r.store}`);
  out.push('Gate labels below are simulated from the simulators’ ground truth, as a reviewer would give them.');
  for (const c of r.crms) {
    out.push('');
    if (!c.available) {
      out.push(`${NAMES[c.crm]}: not run (${c.note ?? 'unavailable'})`);
      continue;
    }
    out.push(`${NAMES[c.crm]} (${c.url})`);
    if (c.identity) {
      const i = c.identity;
      out.push(
        `  identity  ${n(i.sampled)} records sampled: ${n(i.matched)} matched (${n(i.wrong)} to a wrong record), ${n(i.ambiguous)} ambiguous, ${n(i.unmatched)} unmatched — those stop in review, never guessed`,
      );
      const top = Object.entries(i.reasons).sort((a, b) => b[1] - a[1]).slice(0, 2);
      for (const [why, k] of top) out.push(`            ${k}× ${why}`);
    }
    for (const f of c.flows) {
      out.push(`  ${f.flow}  ${f.explanation}`);
      out.push(
        `    gate ${f.gate.mode}: ${f.gate.reason}${f.gate.labelled ? ` (${f.gate.correct}/${f.gate.labelled} labels correct)` : ''}`,
      );
      out.push(
        `    ${n(f.records)} records read · ${n(f.shadowed)} outputs held in shadow · fields written ${n(f.written)}, unchanged ${n(f.unchanged)}, rejected ${n(f.rejected)}, conflicts ${n(f.conflicts)}, failed ${n(f.failed)}, not applied ${n(f.notApplied)}`,
      );
      if (f.written > 0) out.push(`    write calls ${n(f.writeCalls)} (minimum the batch limit allows: ${n(f.minimumWriteCalls)})`);
    }
    if (c.humanEdits) {
      out.push(
        `  reps' edits  ${n(c.humanEdits.made)} hybrid fields edited by simulated reps after the AI wrote them; after the next AI run ${n(c.humanEdits.kept)} still hold the rep's value (${n(c.humanEdits.flagged)} flagged for review), ${n(c.humanEdits.lost)} lost`,
      );
    }
    if (c.activities) {
      const a = c.activities;
      out.push(
        `  mailbox     ${n(a.items)} emails and meetings: ${n(a.imported)} landed as activities on their identified records, ${n(a.unmatched)} unknown senders in review, ${n(a.ownDomain)} internal skipped; a second import created ${n(a.reimported)}`,
      );
    }
    out.push(`  API calls   ${n(c.apiCalls ?? 0)} in all`);
    for (const p of c.recordPages) out.push(`  record page ${p}`);
  }
  out.push('');
  if (r.drift.length > 0) {
    out.push(`drift        ${r.drift.map((d) => `${d.flow} PSI ${d.psi === null ? 'n/a' : d.psi.toFixed(3)} (${d.level})`).join(' · ')}`);
  }
  out.push(`dead letters ${n(r.deadLetters)} open · review queue ${n(r.reviewQueue)} open`);
  if (consoleUrl) out.push(`console      ${consoleUrl}`);
  return out.join('\n');
}
