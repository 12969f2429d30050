/**
 * The local summariser: extractive. It picks the sentences of a call note or transcript that carry
 * the most of the text's frequent content words, favouring decisions, next steps, dates and
 * money, and returns them in their original order within a character budget (the target field's
 * maxLength). Speaker labels and filler turns ("yeah", "ok, great") are left out. No network.
 */

const STOP = new Set(
  'a an the and or but if then so to of in on at by for with from as is are was were be been being it its this that these those i you he she we they me him her us them my your our their mine yours ours theirs what which who whom whose when where why how all any both each few more most other some such no nor not only own same than too very can will just should now do does did doing have has had having would could also about into over after before again further once here there up down out off am s t don yeah yes ok okay um uh like really right well sure great thanks thank hi hello just got get go going know think mean kind sort lot'.split(
    ' ',
  ),
);

// Sentences that record an outcome are what a rep needs from a call summary.
const CUES = /\b(next step|follow[- ]up|agreed|decided|decision|will send|action item|deadline|budget|pricing|price|contract|timeline|by (monday|tuesday|wednesday|thursday|friday|next week|end of)|signed?|trial|pilot|concern|risk|blocker|competitor|renewal|\$\s?\d|€\s?\d|\d+\s?(k|seats|users|licen[cs]es))\b/i;
const SPEAKER = /^\s*(\[?\d{1,2}:\d{2}(:\d{2})?\]?\s*)?([A-Z][\w .'-]{0,40}):\s+/;
const FILLER = /^(yeah|yes|ok(ay)?|sure|great|right|thanks?( you)?|mm+|uh+|um+|sounds good|perfect|cool|got it)[\s.,!?]*$/i;

export interface SummaryOptions {
  /** Character budget (the field's maxLength); default 1,000. */
  maxChars?: number;
  /** At most this many sentences; default 4. */
  maxSentences?: number;
}

/** Sentences of a note or transcript, speaker labels removed, fillers dropped. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(SPEAKER, '').trim();
    if (line === '') continue;
    for (const s of line.split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])/)) {
      const t = s.trim();
      if (t === '' || FILLER.test(t)) continue;
      out.push(t);
    }
  }
  return out;
}

function words(s: string): string[] {
  return (s.toLowerCase().match(/[a-z][a-z'-]+/g) ?? []).filter((w) => !STOP.has(w) && w.length > 2);
}

export function summarise(text: string, opts: SummaryOptions = {}): string {
  const maxChars = opts.maxChars ?? 1000;
  const maxSentences = opts.maxSentences ?? 4;
  const sents = sentences(text);
  if (sents.length === 0) return '';
  const freq = new Map<string, number>();
  for (const s of sents) for (const w of new Set(words(s))) freq.set(w, (freq.get(w) ?? 0) + 1);
  const top = Math.max(1, ...freq.values());
  const scored = sents.map((s, i) => {
    const ws = words(s);
    const base = ws.length === 0 ? 0 : ws.reduce((a, w) => a + (freq.get(w) ?? 0) / top, 0) / Math.sqrt(ws.length);
    const cue = CUES.test(s) ? 1 : 0;
    // Very short sentences say little; the opening sentence often states the call's purpose.
    const short = ws.length < 3 ? -0.5 : 0;
    return { i, s, score: base + cue + short + (i === 0 ? 0.2 : 0) };
  });
  const chosen: typeof scored = [];
  let used = 0;
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.i - b.i);
  for (const c of ranked) {
    if (chosen.length >= maxSentences) break;
    // A weak sentence that happens to fit is no summary; below half the best, stop.
    if (c.score < ranked[0].score / 2) break;
    const add = c.s.length + (chosen.length > 0 ? 1 : 0);
    if (used + add > maxChars) continue;
    chosen.push(c);
    used += add;
  }
  if (chosen.length === 0) {
    // Even the best sentence is longer than the field: cut it at a word boundary, marked.
    const s = scored.sort((a, b) => b.score - a.score)[0].s;
    const cut = s.slice(0, Math.max(0, maxChars - 1));
    const at = cut.lastIndexOf(' ');
    return `${(at > maxChars / 2 ? cut.slice(0, at) : cut).trimEnd()}…`;
  }
  return chosen
    .sort((a, b) => a.i - b.i)
    .map((c) => c.s)
    .join(' ');
}
