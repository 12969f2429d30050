/**
 * Parsers from standard formats to ActivityItem: RFC 5322 messages (.eml, mbox) through mailparser,
 * iCalendar (.ics, in calendar.ts) through node-ical, and a JSONL feed. Each format has one reader
 * that takes the text a piece at a time (a file streamed from disk); the whole-text functions feed
 * it the text as one piece. Pure apart from the parsing libraries: no store, no CRM. A message or
 * event that cannot be used is a ParseProblem, never skipped silently.
 */
import { createHash } from 'node:crypto';
import { type AddressObject, simpleParser } from 'mailparser';
import { z } from 'zod';
import type { ActivityItem, ParseProblem, ParsedItems, Participant } from './types.js';

export const lowerEmail = (s: string) => s.trim().toLowerCase();

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

/** Text pieces → whole lines; the unfinished last line waits for the next piece. */
export class LineReader {
  private carry = '';
  /** How many lines were returned so far: the next line's number is `count + 1`. */
  count = 0;
  push(piece: string): string[] {
    const lines = (this.carry + piece).split(/\r?\n/);
    this.carry = lines.pop() ?? '';
    this.count += lines.length;
    return lines;
  }
  end(): string[] {
    const last = this.carry;
    this.carry = '';
    this.count++;
    return [last];
  }
}

/** An async iterable of one value: a whole text as a single piece. */
export async function* onePiece<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/**
 * Splits an mbox (mboxo / mboxrd) read a piece at a time into messages: a line starting with
 * "From " at the start or after a blank line opens the next message; ">From " lines are unescaped.
 * Only the message being read is held.
 */
export class MboxSplitter {
  private lines = new LineReader();
  private cur: string[] | null = null;
  private prevBlank = true;
  push(piece: string): string[] {
    return this.take(this.lines.push(piece));
  }
  end(): string[] {
    const out = this.take(this.lines.end());
    if (this.cur?.some((l) => l.trim() !== '')) out.push(this.cur.join('\n'));
    this.cur = null;
    return out;
  }
  private take(lines: readonly string[]): string[] {
    const out: string[] = [];
    for (const line of lines) {
      if (line.startsWith('From ') && (this.prevBlank || !this.cur)) {
        if (this.cur) out.push(this.cur.join('\n'));
        this.cur = [];
        this.prevBlank = false;
        continue;
      }
      const blank = line.trim() === '';
      this.prevBlank = blank;
      if (!this.cur) {
        if (blank) continue;
        this.cur = []; // a file without a leading separator: one message
      }
      this.cur.push(/^>+From /.test(line) ? line.slice(1) : line);
    }
    return out;
  }
}

/** Splits a whole mbox text into messages (see MboxSplitter). */
export function splitMbox(text: string): string[] {
  const s = new MboxSplitter();
  return [...s.push(text), ...s.end()];
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

export const isProblem = (x: ActivityItem | ParseProblem): x is ParseProblem => !('externalId' in x);

/**
 * Reads one .eml file or an mbox a piece at a time; yields the items and problems of each piece.
 * A text starting with "From " is an mbox (only its current message is held); anything else is one
 * message. `origin` names the file.
 */
export async function* readMail(pieces: AsyncIterable<string>, origin: string): AsyncGenerator<ParsedItems> {
  let mode: 'mbox' | 'single' | null = null;
  let head = '';
  const single: string[] = [];
  const splitter = new MboxSplitter();
  let n = 0;
  const parse = async (raws: readonly string[]): Promise<ParsedItems> => {
    const out: ParsedItems = { items: [], problems: [] };
    for (const raw of raws) {
      n++;
      const r = await parseMessage(raw, mode === 'mbox' ? `${origin} message ${n}` : origin);
      if (isProblem(r)) out.problems.push(r);
      else out.items.push(r);
    }
    return out;
  };
  for await (const piece of pieces) {
    let text = piece;
    if (mode === null) {
      head += piece;
      if (head.length < 5) continue;
      mode = head.startsWith('From ') ? 'mbox' : 'single';
      text = head;
      head = '';
    }
    if (mode === 'single') single.push(text);
    else yield await parse(splitter.push(text));
  }
  if (mode === null) {
    mode = 'single'; // shorter than "From ": not an mbox
    single.push(head);
  }
  yield await parse(mode === 'single' ? [single.join('')] : splitter.end());
}

/** Merges the pieces of a reader into one ParsedItems (the whole-text path). */
export async function collectPieces(pieces: AsyncIterable<ParsedItems>): Promise<ParsedItems> {
  const out: ParsedItems = { items: [], problems: [] };
  for await (const p of pieces) {
    // one push per item: spreading 100,000s of items into push() overflows the call stack
    for (const item of p.items) out.items.push(item);
    for (const problem of p.problems) out.problems.push(problem);
  }
  return out;
}

/** Parses one .eml file's text or an mbox; `origin` names the file. */
export function parseMail(text: string, origin: string): Promise<ParsedItems> {
  return collectPieces(readMail(onePiece(text), origin));
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

const feedP = (p: z.infer<typeof feedParticipant>, role: Participant['role']): Participant =>
  typeof p === 'string' ? { email: lowerEmail(p), name: null, role } : { email: lowerEmail(p.email), name: p.name ?? null, role };

/** One line of a feed → its item, a problem naming the line, or null for a blank line. */
function feedLine(line: string, where: string): ActivityItem | ParseProblem | null {
  if (!line.trim()) return null;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { origin: where, message: 'not a JSON object' };
  }
  const r = feedLineSchema.safeParse(json);
  if (!r.success) return { origin: where, message: r.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ') };
  const f = r.data;
  const participants = [
    ...(f.from ? [feedP(f.from, f.kind === 'meeting' ? 'organizer' : 'from')] : []),
    ...f.to.map((p) => feedP(p, 'to')),
    ...f.attendees.map((p) => feedP(p, 'attendee')),
  ];
  return {
    externalId: f.id,
    kind: f.kind,
    subject: f.subject?.trim() || (f.kind === 'email' ? '(no subject)' : '(no title)'),
    body: f.body ?? null,
    occurredAt: new Date(f.at).toISOString(),
    endsAt: f.ends_at ? new Date(f.ends_at).toISOString() : null,
    participants,
    origin: where,
  };
}

/** A JSONL activity feed read a piece at a time: each piece gives the items of its whole lines. */
export class FeedReader {
  private lines = new LineReader();
  constructor(private readonly origin: string) {}
  push(piece: string): ParsedItems {
    const first = this.lines.count + 1;
    return this.take(this.lines.push(piece), first);
  }
  end(): ParsedItems {
    const first = this.lines.count + 1;
    return this.take(this.lines.end(), first);
  }
  private take(lines: readonly string[], first: number): ParsedItems {
    const out: ParsedItems = { items: [], problems: [] };
    for (const [i, line] of lines.entries()) {
      const r = feedLine(line, `${this.origin} line ${first + i}`);
      if (r === null) continue;
      if (isProblem(r)) out.problems.push(r);
      else out.items.push(r);
    }
    return out;
  }
}

/** Parses a JSONL activity feed; a bad line is a problem naming its line number. */
export function parseFeed(text: string, origin: string): ParsedItems {
  const r = new FeedReader(origin);
  const a = r.push(text);
  const b = r.end();
  return { items: [...a.items, ...b.items], problems: [...a.problems, ...b.problems] };
}
