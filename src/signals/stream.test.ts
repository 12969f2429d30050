import { describe, expect, it } from 'vitest';
import { CalendarReader, parseCalendar } from './calendar.js';
import {
  FeedReader,
  MboxSplitter,
  collectPieces,
  parseFeed,
  parseMail,
  readMail,
  splitMbox,
} from './parse.js';
import type { ParsedItems } from './types.js';

const msg = (i: number, body: string[]) => [
  `From sender${i}@client.example Tue Nov 24 10:00:00 2026`,
  `Message-ID: <m${i}@client.example>`,
  `Date: Tue, 24 Nov 2026 1${i}:00:00 +0000`,
  `From: <sender${i}@client.example>`,
  'To: <sam@team.example>',
  `Subject: Note ${i}`,
  '',
  ...body,
  '',
];
const MBOX = [
  ...msg(1, [
    'Hello.',
    '>From the notes: an escaped line.',
    'From here on, not a separator (no blank line before).',
  ]),
  ...msg(2, ['Second.', '>>From a doubly escaped line.']),
  ...msg(3, ['Third, last.']),
].join('\n');

/** The text in two pieces cut at `k`, as a stream. */
async function* cut(text: string, ...at: number[]): AsyncGenerator<string> {
  let from = 0;
  for (const k of [...at, text.length]) {
    yield text.slice(from, k);
    from = k;
  }
}

function pushAll(
  reader: { push(p: string): ParsedItems; end(): ParsedItems },
  pieces: string[],
): ParsedItems {
  const out: ParsedItems = { items: [], problems: [] };
  for (const r of [...pieces.map((p) => reader.push(p)), reader.end()]) {
    out.items.push(...r.items);
    out.problems.push(...r.problems);
  }
  return out;
}

describe('MboxSplitter', () => {
  it('splits on "From " lines at the start or after a blank line, and unescapes ">From "', () => {
    const raws = splitMbox(MBOX);
    expect(raws).toHaveLength(3);
    expect(raws[0]).toContain('\nFrom the notes: an escaped line.\nFrom here on, not a separator');
    expect(raws[1]).toContain('\n>From a doubly escaped line.');
  });

  it('gives the same messages wherever the pieces are cut, CRLF line ends included', () => {
    for (const text of [MBOX, MBOX.replace(/\n/g, '\r\n')]) {
      const whole = splitMbox(text);
      for (let k = 0; k <= text.length; k++) {
        const s = new MboxSplitter();
        expect([...s.push(text.slice(0, k)), ...s.push(text.slice(k)), ...s.end()]).toEqual(whole);
      }
      const s = new MboxSplitter();
      expect([...[...text].flatMap((c) => s.push(c)), ...s.end()]).toEqual(whole);
    }
  });

  it('reads the same items from a stream cut at every position as from the whole text', async () => {
    const whole = await parseMail(MBOX, 'box.mbox');
    expect(whole.items.map((i) => i.externalId)).toEqual([
      '<m1@client.example>',
      '<m2@client.example>',
      '<m3@client.example>',
    ]);
    expect(whole.items.map((i) => i.origin)).toEqual([
      'box.mbox message 1',
      'box.mbox message 2',
      'box.mbox message 3',
    ]);
    for (let k = 0; k <= MBOX.length; k++)
      expect(await collectPieces(readMail(cut(MBOX, k), 'box.mbox'))).toEqual(whole);
    // "From " itself cut across the first pieces: still an mbox
    expect(await collectPieces(readMail(cut(MBOX, 1, 2, 3, 4), 'box.mbox'))).toEqual(whole);
  });

  it('reads a text that does not start with "From " as one message, however it is cut', async () => {
    const eml = MBOX.split('\n').slice(1, 9).join('\r\n');
    const whole = await parseMail(eml, 'a.eml');
    expect(whole.items).toHaveLength(1);
    for (const k of [0, 1, 3, 4, 5, 40, eml.length])
      expect(await collectPieces(readMail(cut(eml, k), 'a.eml'))).toEqual(whole);
  });
});

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//inrecord//test//EN',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Lisbon',
  'BEGIN:STANDARD',
  'DTSTART:19701025T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:a',
  'DTSTART;TZID=Europe/Lisbon:20261201T100000',
  'DTEND;TZID=Europe/Lisbon:20261201T110000',
  'SUMMARY:Kick-off with a summary folded',
  '  over two lines',
  'ORGANIZER;CN=Sam:mailto:sam@team.example',
  'ATTENDEE;CN=Ana:mailto:ana@client.example',
  'BEGIN:VALARM',
  'TRIGGER:-PT15M',
  'ACTION:DISPLAY',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:b',
  'DTSTART:20261202T150000Z',
  'STATUS:CANCELLED',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:c',
  'DTSTART:20261203T090000Z',
  'SUMMARY:Review',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('CalendarReader', () => {
  it('reads each event with the calendar’s time zones, nested components and folded lines', () => {
    const r = parseCalendar(ICS, 'c.ics');
    expect(r.items.map((i) => [i.externalId, i.subject, i.occurredAt, i.endsAt])).toEqual([
      [
        'a',
        'Kick-off with a summary folded over two lines',
        '2026-12-01T10:00:00.000Z',
        '2026-12-01T11:00:00.000Z',
      ],
      ['c', 'Review', '2026-12-03T09:00:00.000Z', '2026-12-03T09:00:00.000Z'], // no DTEND: node-ical ends it at its start
    ]);
    expect(r.items[0]?.participants.map((p) => p.email)).toEqual(['sam@team.example', 'ana@client.example']);
    expect(r.problems).toEqual([
      { origin: 'c.ics event b', message: expect.stringContaining('cancelled'), skipped: true },
    ]);
  });

  it('gives the same items and problems wherever the pieces are cut', () => {
    const whole = parseCalendar(ICS, 'c.ics');
    for (let k = 0; k <= ICS.length; k++)
      expect(pushAll(new CalendarReader('c.ics'), [ICS.slice(0, k), ICS.slice(k)])).toEqual(whole);
    expect(pushAll(new CalendarReader('c.ics'), [...ICS])).toEqual(whole);
  });

  it('a calendar cut anywhere keeps the whole events before the cut and names the open component’s line', () => {
    const lines = ICS.split('\r\n');
    for (let n = 1; n < lines.length - 2; n++) {
      const text = lines.slice(0, n).join('\r\n');
      const whole = parseCalendar(text, 'x.ics');
      expect(whole.items.map((i) => i.externalId)).toEqual(n >= 34 ? ['a', 'c'] : n >= 24 ? ['a'] : []);
      expect(whole.problems.at(-1)?.message).toMatch(/cut short: it ends inside BEGIN:[A-Z]+ of line \d+/);
      for (let k = 0; k <= text.length; k += 29)
        expect(pushAll(new CalendarReader('x.ics'), [text.slice(0, k), text.slice(k)])).toEqual(whole);
    }
  });

  it('damage and junk are reported with their line however the file is cut', () => {
    const damaged = ICS.replace('END:VEVENT\r\nBEGIN:VEVENT\r\nUID:c', 'END:VTODO\r\nBEGIN:VEVENT\r\nUID:c');
    const whole = parseCalendar(damaged, 'd.ics');
    expect(whole.items.map((i) => i.externalId)).toEqual(['a']);
    expect(whole.problems.at(-1)?.message).toBe(
      'line 29: END:VTODO does not close BEGIN:VEVENT of line 25; the file is damaged after 1 whole event(s)',
    );
    const twice = `${ICS}${ICS}`;
    expect(parseCalendar(twice, 't.ics').problems.at(-1)?.message).toBe(
      'line 36: BEGIN:VCALENDAR after the calendar ended',
    );
    for (const [text, step] of [
      [damaged, 3],
      [twice, 11],
      ['hello\r\nBEGIN:VCALENDAR\r\n', 1],
      ['', 1],
    ] as const) {
      const w = parseCalendar(text, 'd.ics');
      for (let k = 0; k <= text.length; k += step)
        expect(pushAll(new CalendarReader('d.ics'), [text.slice(0, k), text.slice(k)])).toEqual(w);
    }
    expect(parseCalendar('', 'e.ics').problems).toEqual([
      { origin: 'e.ics', message: expect.stringContaining('does not start with BEGIN:VCALENDAR') },
    ]);
  });
});

describe('FeedReader', () => {
  it('gives the same items and numbered problems wherever the pieces are cut', () => {
    const text = [
      '{"id":"f1","kind":"email","at":"2026-11-24T10:00:00Z","from":"a@client.example"}',
      'not json',
      '',
      '{"id":"f2","kind":"meeting","at":"2026-11-25T10:00:00Z"}',
      '',
    ].join('\n');
    const whole = parseFeed(text, 'f.jsonl');
    expect(whole.items.map((i) => i.externalId)).toEqual(['f1', 'f2']);
    expect(whole.problems).toEqual([{ origin: 'f.jsonl line 2', message: 'not a JSON object' }]);
    expect(whole.items[1]?.origin).toBe('f.jsonl line 4');
    for (let k = 0; k <= text.length; k++)
      expect(pushAll(new FeedReader('f.jsonl'), [text.slice(0, k), text.slice(k)])).toEqual(whole);
  });
});
