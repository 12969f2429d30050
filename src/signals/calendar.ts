/**
 * iCalendar (.ics) → ActivityItem, a piece of the file at a time: the component structure (RFC 5545
 * §3.4, §3.6) is followed line by line and each top-level VEVENT, once whole, is parsed through
 * node-ical with the calendar's properties and time zones seen so far. A file that does not open
 * with BEGIN:VCALENDAR is not a calendar; one whose BEGIN/END lines do not pair up is cut short or
 * damaged: the problem names the line, and the whole events before it are still read.
 */
import ical from 'node-ical';
import { LineReader, lowerEmail } from './parse.js';
import type { ActivityItem, ParseProblem, ParsedItems, Participant } from './types.js';

function mailto(v: unknown): { email: string | null; name: string | null } {
  const val = typeof v === 'string' ? v : ((v as { val?: string })?.val ?? '');
  const params =
    (typeof v === 'object' && v ? (v as { params?: Record<string, unknown> }).params : undefined) ?? {};
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

/** The items of one parsed VEVENT text (one event, or an event with its overrides). */
function eventItems(
  cal: ical.CalendarResponse,
  origin: string,
  items: ActivityItem[],
  problems: ParseProblem[],
): void {
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
}

const COMPONENT = /^(BEGIN|END):([A-Za-z0-9-]+)\s*$/i;

/**
 * An iCalendar file read a piece at a time. Holds only the calendar's own properties, its
 * VTIMEZONE components (small, and needed by the events that name them) and the component being
 * read; each piece gives the items of the events it completed.
 */
export class CalendarReader {
  private lines = new LineReader();
  private state: 'start' | 'in' | 'after' | 'stopped' = 'start';
  private open: { name: string; line: number }[] = [];
  private header: string[] = [];
  private zones: string[] = [];
  private block: string[] | null = null;
  private blockLine = 0;
  private wholeEvents = 0;
  constructor(private readonly origin: string) {}

  push(piece: string): ParsedItems {
    const first = this.lines.count + 1;
    return this.take(this.lines.push(piece), first);
  }

  end(): ParsedItems {
    const first = this.lines.count + 1;
    const out = this.take(this.lines.end(), first);
    if (this.state === 'start')
      out.problems.push({
        origin: this.origin,
        message: 'not an iCalendar file: it does not start with BEGIN:VCALENDAR',
      });
    else if (this.state === 'in') {
      const top = this.open[this.open.length - 1] as { name: string; line: number };
      out.problems.push({
        origin: this.origin,
        message: `the file is cut short: it ends inside BEGIN:${top.name} of line ${top.line} with no END:VCALENDAR; the ${this.wholeEvents} whole event(s) before the cut are read, the rest of the file is missing`,
      });
    }
    this.state = 'stopped';
    return out;
  }

  private take(lines: readonly string[], first: number): ParsedItems {
    const out: ParsedItems = { items: [], problems: [] };
    const stop = (message: string) => {
      out.problems.push({ origin: this.origin, message });
      this.state = 'stopped';
      this.block = null;
    };
    for (const [i, line] of lines.entries()) {
      if (this.state === 'stopped') break;
      const n = first + i;
      if (this.state === 'start') {
        if (line.trim() === '') continue;
        if (line.trim().toUpperCase() !== 'BEGIN:VCALENDAR') {
          stop('not an iCalendar file: it does not start with BEGIN:VCALENDAR');
          break;
        }
        this.open.push({ name: 'VCALENDAR', line: n });
        this.state = 'in';
        continue;
      }
      const m = COMPONENT.exec(line);
      if (!m) {
        if (this.block) this.block.push(line);
        else if (this.state === 'in') this.header.push(line);
        continue;
      }
      const name = (m[2] as string).toUpperCase();
      if ((m[1] as string).toUpperCase() === 'BEGIN') {
        if (this.state === 'after') {
          stop(`line ${n}: BEGIN:${name} after the calendar ended`);
          break;
        }
        this.open.push({ name, line: n });
        if (this.open.length === 2) {
          this.block = [];
          this.blockLine = n;
        }
        this.block?.push(line);
        continue;
      }
      const top = this.open.pop();
      if (!top || top.name !== name) {
        stop(
          `line ${n}: END:${name} does not close ${top ? `BEGIN:${top.name} of line ${top.line}` : 'any component'}; the file is damaged after ${this.wholeEvents} whole event(s)`,
        );
        break;
      }
      if (this.open.length === 0) {
        this.state = 'after';
        continue;
      }
      this.block?.push(line);
      if (this.open.length === 1 && this.block) {
        if (name === 'VTIMEZONE') this.zones.push(this.block.join('\r\n'));
        else if (name === 'VEVENT') {
          this.wholeEvents++;
          this.event(this.block, out);
        }
        this.block = null;
      }
    }
    return out;
  }

  private event(block: readonly string[], out: ParsedItems): void {
    let cal: ical.CalendarResponse;
    try {
      cal = ical.sync.parseICS(
        ['BEGIN:VCALENDAR', ...this.header, ...this.zones, ...block, 'END:VCALENDAR', ''].join('\r\n'),
      );
    } catch (err) {
      out.problems.push({
        origin: `${this.origin} line ${this.blockLine}`,
        message: `the event could not be read: ${(err as Error).message}`,
      });
      return;
    }
    eventItems(cal, this.origin, out.items, out.problems);
  }
}

/** Parses an iCalendar file: one item per VEVENT (cancelled events are not meetings that happened). */
export function parseCalendar(text: string, origin: string): ParsedItems {
  const r = new CalendarReader(origin);
  const a = r.push(text);
  const b = r.end();
  return { items: [...a.items, ...b.items], problems: [...a.problems, ...b.problems] };
}
