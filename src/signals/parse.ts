/**
 * Parsers from standard formats to ActivityItem: RFC 5322 messages (.eml, mbox) through mailparser,
 * iCalendar (.ics) through node-ical, and a JSONL feed. Pure apart from the parsing libraries: no
 * store, no CRM. A message or event that cannot be used is a ParseProblem, never skipped silently.
 */
import { createHash } from 'node:crypto';
import { type AddressObject, simpleParser } from 'mailparser';
import ical from 'node-ical';
import { z } from 'zod';
import type { ActivityItem, ParseProblem, ParsedItems, Participant } from './types.js';

const lowerEmail = (s: string) => s.trim().toLowerCase();

function addresses(a: AddressObject | AddressObject[] | undefined, role: Participant['role']): Participant[] {
  const out: Participant[] = [];
  for (const obj of a ? (Array.isArray(a) ? a : [a]) : [])
    for (const v of obj.value) {
      // group syntax ("Team: a@x, b@y;") nests addresses one level down
      for (const x of v.group ?? [v])
        if (x.address) out.push({ email: lowerEmail(x.address), name: x.name?.trim() || null, role });
    }
  return out;
}

/** Splits an mbox (mboxo / mboxrd) into messages on "From " separator lines, unescaping ">From ". */
export function splitMbox(text: string): string[] {
  const out: string[] = [];
  let cur: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('From ')) {
      if (cur) out.push(cur.join('\n'));
      cur = [];
      continue;
    }
    if (!cur) {
      if (line.trim() === '') continue;
      cur = []; // a file without a leading separator: one message
    }
    cur.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  if (cur && cur.some((l) => l.trim() !== '')) out.push(cur.join('\n'));
  return out;
}

/**
 * Why a message looks cut short, or null: its headers never end (no blank line before a body), or a
 * multipart body lacks its closing boundary. A cut copy is rejected rather than imported, so the full
 * copy imported later is the only one.
 */
export function truncatedMessage(raw: string, boundary: string | null): string | null {
  if (!/\r?\n\r?\n/.test(raw.trimStart())) return 'the message ends inside its headers (no blank line before the body): the file looks cut short';
  if (boundary && !raw.includes(`--${boundary}--`))
    return `the multipart body has no closing boundary (--${boundary}--): the file looks cut short`;
  return null;
}

/** Parses one RFC 5322 message. A message without Message-ID gets a stable id from its content. */
export async function parseMessage(raw: string | Buffer, origin: string): Promise<ActivityItem | ParseProblem> {
  let m: Awaited<ReturnType<typeof simpleParser>>;
  try {
    m = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (err) {
    return { origin, message: `not an RFC 5322 message: ${(err as Error).message}` };
  }
  const type = m.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const boundary = type?.value?.toLowerCase().startsWith('multipart/') ? (type.params?.boundary ?? null) : null;
  const cut = truncatedMessage(typeof raw === 'string' ? raw : raw.toString('utf8'), boundary);
  if (cut) return { origin, message: cut };
  const from = addresses(m.from, 'from');
  if (from.length === 0) return { origin, message: 'the message has no From address' };
  const participants = [...from, ...addresses(m.to, 'to'), ...addresses(m.cc, 'cc')];
  const date = m.date && !Number.isNaN(m.date.getTime()) ? m.date.toISOString() : null;
  if (!date) return { origin, message: 'the message has no valid Date header' };
  const externalId =
    m.messageId?.trim() ??
    `<sha256-${createHash('sha256').update(typeof raw === 'string' ? raw : raw.toString('binary')).digest('hex').slice(0, 32)}@inrecord>`;
  return {
    externalId,
    kind: 'email',
    subject: m.subject?.trim() || '(no subject)',
    body: m.text?.trim() ?? null,
    occurredAt: date,
    endsAt: null,
    participants,
    origin,
  };
}

const isProblem = (x: ActivityItem | ParseProblem): x is ParseProblem => !('externalId' in x);

/** Parses one .eml file's text or an mbox; `origin` names the file. */
export async function parseMail(text: string, origin: string): Promise<ParsedItems> {
  const mbox = /^From /.test(text);
  const raws = mbox ? splitMbox(text) : [text];
  const items: ActivityItem[] = [];
  const problems: ParseProblem[] = [];
  for (const [i, raw] of raws.entries()) {
    const r = await parseMessage(raw, mbox ? `${origin} message ${i + 1}` : origin);
    if (isProblem(r)) problems.push(r);
    else items.push(r);
  }
  return { items, problems };
}

function mailto(v: unknown): { email: string | null; name: string | null } {
  const val = typeof v === 'string' ? v : ((v as { val?: string })?.val ?? '');
  const params = (typeof v === 'object' && v ? (v as { params?: Record<string, unknown> }).params : undefined) ?? {};
  const email = val.replace(/^mailto:/i, '').trim();
  const cn = typeof params.CN === 'string' ? params.CN.replace(/^"|"$/g, '').trim() : null;
  return { email: email.includes('@') ? lowerEmail(email) : null, name: cn || null };
}

function textOf(v: unknown): string | null {
  if (v == null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'val' in (v as object)) return String((v as { val: unknown }).val);
  return String(v);
}

/**
 * The component structure of an iCalendar text (RFC 5545 §3.4, §3.6): a file that does not open with
 * BEGIN:VCALENDAR is not a calendar; one whose BEGIN/END lines do not pair up is cut short or
 * damaged. For a damaged file, `complete` is the text up to the last whole component inside the
 * calendar, closed again, so the events before the damage are still read.
 */
export function calendarShape(text: string): { problem: string | null; complete: string | null } {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0 || lines[first].trim().toUpperCase() !== 'BEGIN:VCALENDAR')
    return { problem: 'not an iCalendar file: it does not start with BEGIN:VCALENDAR', complete: null };
  const open: { name: string; line: number }[] = [];
  let lastWhole = -1;
  let wholeEvents = 0;
  const closeAt = (n: number) => [...lines.slice(0, n + 1), 'END:VCALENDAR', ''].join('\r\n');
  for (let i = first; i < lines.length; i++) {
    const m = /^(BEGIN|END):([A-Za-z0-9-]+)\s*$/i.exec(lines[i]);
    if (!m) continue;
    const name = m[2].toUpperCase();
    if (m[1].toUpperCase() === 'BEGIN') {
      if (open.length === 0 && i !== first)
        return { problem: `line ${i + 1}: BEGIN:${name} after the calendar ended`, complete: closeAt(lastWhole) };
      open.push({ name, line: i + 1 });
      continue;
    }
    const top = open.pop();
    if (!top || top.name !== name)
      return {
        problem: `line ${i + 1}: END:${name} does not close ${top ? `BEGIN:${top.name} of line ${top.line}` : 'any component'}; the file is damaged after ${wholeEvents} whole event(s)`,
        complete: lastWhole > first ? closeAt(lastWhole) : null,
      };
    if (open.length === 1) {
      lastWhole = i;
      if (name === 'VEVENT') wholeEvents++;
    }
  }
  if (open.length > 0) {
    const top = open[open.length - 1];
    return {
      problem: `the file is cut short: it ends inside BEGIN:${top.name} of line ${top.line} with no END:VCALENDAR; the ${wholeEvents} whole event(s) before the cut are read, the rest of the file is missing`,
      complete: lastWhole > first ? closeAt(lastWhole) : null,
    };
  }
  return { problem: null, complete: null };
}

/** Parses an iCalendar file: one item per VEVENT (cancelled events are not meetings that happened). */
export function parseCalendar(text: string, origin: string): ParsedItems {
  const items: ActivityItem[] = [];
  const problems: ParseProblem[] = [];
  const shape = calendarShape(text);
  if (shape.problem) {
    problems.push({ origin, message: shape.problem });
    if (shape.complete === null) return { items, problems };
    text = shape.complete;
  }
  let cal: ical.CalendarResponse;
  try {
    cal = ical.sync.parseICS(text);
  } catch (err) {
    return { items: [], problems: [...problems, { origin, message: `not an iCalendar file: ${(err as Error).message}` }] };
  }
  for (const comp of Object.values(cal)) {
    if (comp.type !== 'VEVENT') continue;
    const ev = comp as ical.VEvent;
    const where = `${origin} event ${ev.uid ?? '(no UID)'}`;
    if (!ev.uid) {
      problems.push({ origin: where, message: 'the event has no UID' });
      continue;
    }
    if (String(ev.status ?? '').toUpperCase() === 'CANCELLED') {
      problems.push({ origin: where, message: 'the event is cancelled: not imported', skipped: true });
      continue;
    }
    const start = ev.start instanceof Date && !Number.isNaN(ev.start.getTime()) ? ev.start : null;
    if (!start) {
      problems.push({ origin: where, message: 'the event has no valid DTSTART' });
      continue;
    }
    const participants: Participant[] = [];
    const org = mailto(ev.organizer);
    if (org.email) participants.push({ email: org.email, name: org.name, role: 'organizer' });
    const atts = ev.attendee ? (Array.isArray(ev.attendee) ? ev.attendee : [ev.attendee]) : [];
    for (const a of atts) {
      const p = mailto(a);
      if (p.email && !participants.some((x) => x.email === p.email))
        participants.push({ email: p.email, name: p.name, role: 'attendee' });
    }
    const rid = (ev as { recurrenceid?: Date }).recurrenceid;
    items.push({
      externalId: rid instanceof Date ? `${ev.uid}#${rid.toISOString()}` : ev.uid,
      kind: 'meeting',
      subject: textOf(ev.summary)?.trim() || '(no title)',
      body: textOf(ev.description)?.trim() || null,
      occurredAt: start.toISOString(),
      endsAt: ev.end instanceof Date && !Number.isNaN(ev.end.getTime()) ? ev.end.toISOString() : null,
      participants,
      origin: where,
    });
  }
  return { items, problems };
}

const feedParticipant = z.union([
  z.string().email(),
  z.object({ email: z.string().email(), name: z.string().nullish() }),
]);

/** One line of the JSON activity feed. */
export const feedLineSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(['email', 'meeting']),
  subject: z.string().nullish(),
  body: z.string().nullish(),
  at: z.string().datetime({ offset: true }),
  ends_at: z.string().datetime({ offset: true }).nullish(),
  from: feedParticipant.nullish(),
  to: z.array(feedParticipant).default([]),
  attendees: z.array(feedParticipant).default([]),
});

/** Parses a JSONL activity feed; a bad line is a problem naming its line number. */
export function parseFeed(text: string, origin: string): ParsedItems {
  const items: ActivityItem[] = [];
  const problems: ParseProblem[] = [];
  const toP = (p: z.infer<typeof feedParticipant>, role: Participant['role']): Participant =>
    typeof p === 'string' ? { email: lowerEmail(p), name: null, role } : { email: lowerEmail(p.email), name: p.name ?? null, role };
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const where = `${origin} line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push({ origin: where, message: 'not a JSON object' });
      continue;
    }
    const r = feedLineSchema.safeParse(json);
    if (!r.success) {
      problems.push({ origin: where, message: r.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ') });
      continue;
    }
    const f = r.data;
    const participants = [
      ...(f.from ? [toP(f.from, f.kind === 'meeting' ? 'organizer' : 'from')] : []),
      ...f.to.map((p) => toP(p, 'to')),
      ...f.attendees.map((p) => toP(p, 'attendee')),
    ];
    items.push({
      externalId: f.id,
      kind: f.kind,
      subject: f.subject?.trim() || (f.kind === 'email' ? '(no subject)' : '(no title)'),
      body: f.body ?? null,
      occurredAt: new Date(f.at).toISOString(),
      endsAt: f.ends_at ? new Date(f.ends_at).toISOString() : null,
      participants,
      origin: where,
    });
  }
  return { items, problems };
}
