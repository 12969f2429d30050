/**
 * AI stamps: the companion text field beside an AI-written field that tells a rep where the value
 * came from. A readable one-liner, because reps read it in the record page, e.g.
 *   "AI · lead-scoring · model rules-v2 · confidence 0.87 · 2026-11-28 09:00 UTC"
 * When a person's value stays in the field and the stamp still says AI, the stamp is replaced by a
 * person stamp, which never claims the AI wrote the value:
 *   "Person · user 42 · 2026-11-28 09:00 UTC · AI value not written"
 * Pure; parseStamp reads an AI stamp back for the console and tests (null for any other text).
 */
export interface StampInput {
  at: string;
  flow: string;
  modelVersion?: string;
  confidence?: number;
}

export function formatStamp(s: StampInput): string {
  const parts = ['AI', s.flow];
  if (s.modelVersion) parts.push(`model ${s.modelVersion}`);
  if (s.confidence !== undefined) parts.push(`confidence ${s.confidence.toFixed(2)}`);
  parts.push(`${s.at.slice(0, 10)} ${s.at.slice(11, 16)} UTC`);
  return parts.join(' · ');
}

/** When the field history names who set the value and when; both absent for an untracked field. */
export interface PersonStampInput {
  by?: string | null;
  at?: string | null;
}

export function formatPersonStamp(s: PersonStampInput): string {
  const parts = ['Person'];
  if (s.by) parts.push(`user ${s.by}`);
  if (s.at) parts.push(`${s.at.slice(0, 10)} ${s.at.slice(11, 16)} UTC`);
  parts.push('AI value not written');
  return parts.join(' · ');
}

/** Whether a stamp field's text says the AI wrote the value (a stamp cut to a short field included). */
export function claimsAi(text: string): boolean {
  return text === 'AI' || text.startsWith('AI · ');
}

export function parseStamp(text: string): Partial<StampInput> | null {
  const parts = text.split(' · ');
  if (parts[0] !== 'AI' || parts.length < 3) return null;
  const out: Partial<StampInput> = { flow: parts[1] };
  for (const p of parts.slice(2)) {
    if (p.startsWith('model ')) out.modelVersion = p.slice(6);
    else if (p.startsWith('confidence ')) out.confidence = Number(p.slice(11));
    else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/.test(p)) out.at = `${p.slice(0, 10)}T${p.slice(11, 16)}:00.000Z`;
  }
  return out;
}
