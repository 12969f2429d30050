import { describe, expect, it } from 'vitest';
import { activityFor, contactsOf, isOwnAddress, participantKey, planItem } from './capture.js';
import { parseCalendar } from './calendar.js';
import { parseFeed, parseMail, splitMbox, truncatedMessage } from './parse.js';
import type { ActivityItem } from './types.js';

const EML = [
  'Message-ID: <abc@mail.example>',
  'Date: Tue, 24 Nov 2026 10:00:00 +0100',
  'From: "Ana Ruiz" <Ana.Ruiz@Client.example>',
  'To: Sam <sam@team.example>, Ops: ops@team.example, x@client.example;',
  'Cc: <b@other.example>',
  'Subject: =?UTF-8?Q?Pr=C3=A9cis?=',
  '',
  'Hello',
  '',
].join('\r\n');

describe('parseMail', () => {
  it('reads addresses (groups included), the date in UTC, the encoded subject and the Message-ID', async () => {
    const { items, problems } = await parseMail(EML, 'a.eml');
    expect(problems).toEqual([]);
    expect(items[0]).toMatchObject({
      externalId: '<abc@mail.example>',
      kind: 'email',
      subject: 'Précis',
      body: 'Hello',
      occurredAt: '2026-11-24T09:00:00.000Z',
    });
    expect(items[0]?.participants.map((p) => `${p.role}:${p.email}`)).toEqual([
      'from:ana.ruiz@client.example',
      'to:sam@team.example',
      'to:ops@team.example',
      'to:x@client.example',
      'cc:b@other.example',
    ]);
  });

  it.each([
    ['no From', 'Message-ID: <x@y>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nbody', 'no From'],
    ['no Date', 'Message-ID: <x@y>\r\nFrom: a@b.example\r\n\r\nbody', 'no valid Date'],
  ])('a message with %s is a problem, not an item', async (_n, raw, msg) => {
    const r = await parseMail(raw, 'bad.eml');
    expect(r.items).toEqual([]);
    expect(r.problems[0]?.message).toContain(msg);
  });

  it('splits an mbox on From_ lines and unescapes >From in bodies', async () => {
    const mbox = `From a@b Tue Nov 24 10:00:00 2026\n${EML.replace('<abc@', '<one@')}>From the start\n\nFrom a@b Tue Nov 24 11:00:00 2026\n${EML.replace('<abc@', '<two@')}`;
    expect(splitMbox(mbox)).toHaveLength(2);
    const { items } = await parseMail(mbox, 'box.mbox');
    expect(items.map((i) => i.externalId)).toEqual(['<one@mail.example>', '<two@mail.example>']);
    expect(items[0]?.body).toContain('From the start');
    expect(items[1]?.origin).toBe('box.mbox message 2');
  });

  it('gives a message without Message-ID a stable content id', async () => {
    const raw = EML.replace('Message-ID: <abc@mail.example>\r\n', '');
    const [a, b] = [await parseMail(raw, 'x'), await parseMail(raw, 'y')];
    expect(a.items[0]?.externalId).toMatch(/^<sha256-[0-9a-f]{32}@inrecord>$/);
    expect(a.items[0]?.externalId).toBe(b.items[0]?.externalId);
  });
});

describe('parseCalendar', () => {
  const ics = (extra: string) =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:ev-1', 'DTSTAMP:20261120T000000Z', 'DTSTART:20261124T150000Z', 'DTEND:20261124T153000Z', 'SUMMARY:Demo\\, part 2',
      'ORGANIZER;CN=Sam:mailto:sam@team.example', 'ATTENDEE;CN="Ana Ruiz":mailto:ANA.RUIZ@client.example', 'ATTENDEE:mailto:sam@team.example', extra, 'END:VEVENT', 'END:VCALENDAR', ''].filter(Boolean).join('\r\n');

  it('reads UID, times, organizer and attendees (deduplicated, lower-cased)', () => {
    const { items, problems } = parseCalendar(ics(''), 'c.ics');
    expect(problems).toEqual([]);
    expect(items[0]).toMatchObject({ externalId: 'ev-1', kind: 'meeting', subject: 'Demo, part 2', occurredAt: '2026-11-24T15:00:00.000Z', endsAt: '2026-11-24T15:30:00.000Z' });
    expect(items[0]?.participants).toEqual([
      { email: 'sam@team.example', name: 'Sam', role: 'organizer' },
      { email: 'ana.ruiz@client.example', name: 'Ana Ruiz', role: 'attendee' },
    ]);
  });

  it('reports a cancelled event instead of importing it', () => {
    const r = parseCalendar(ics('STATUS:CANCELLED'), 'c.ics');
    expect(r.items).toEqual([]);
    expect(r.problems[0]?.message).toContain('cancelled');
  });
});

describe('parseFeed', () => {
  it('reads valid lines and names the bad ones by line number', () => {
    const text = [
      JSON.stringify({ id: 'f1', kind: 'email', at: '2026-11-24T10:00:00Z', from: 'A@x.example', to: [{ email: 'b@team.example', name: 'B' }] }),
      '{oops',
      JSON.stringify({ id: 'f2', kind: 'call', at: '2026-11-24T10:00:00Z' }),
    ].join('\n');
    const r = parseFeed(text, 'feed.jsonl');
    expect(r.items.map((i) => i.externalId)).toEqual(['f1']);
    expect(r.items[0]?.participants[0]).toEqual({ email: 'a@x.example', name: null, role: 'from' });
    expect(r.problems.map((p) => p.origin)).toEqual(['feed.jsonl line 2', 'feed.jsonl line 3']);
  });
});

describe('planning an item', () => {
  const item: ActivityItem = {
    externalId: 'm1',
    kind: 'email',
    subject: 'Hi',
    body: 'secret body',
    occurredAt: '2026-11-24T10:00:00.000Z',
    endsAt: null,
    participants: [
      { email: 'sam@eu.team.example', name: 'Sam', role: 'from' },
      { email: 'ana@client.example', name: 'Ana', role: 'to' },
      { email: 'Ana@Client.example', name: 'Ana', role: 'cc' },
      { email: 'info@client.example', name: null, role: 'cc' },
    ],
    origin: 'x',
  };

  it.each([
    ['sam@team.example', true],
    ['sam@eu.team.example', true],
    ['sam@notteam.example', false],
    ['sam@team.example.org', false],
  ])('own address %s → %s', (email, own) => {
    expect(isOwnAddress(email, ['Team.example'])).toBe(own);
  });

  it('skips own-domain participants, dedupes mailboxes, and sees the direction', () => {
    const plan = planItem(item, ['team.example']);
    expect(plan.direction).toBe('outbound');
    expect(plan.external.map((p) => p.email)).toEqual(['ana@client.example', 'info@client.example']);
    expect(planItem(item, []).direction).toBe('inbound');
  });

  it('keys a shared address per named person', () => {
    expect(participantKey({ email: 'Info@Acme.example', name: 'José  Díaz' })).toBe('email:info@acme.example|jose diaz');
    expect(participantKey({ email: 'info@acme.example' })).toBe('email:info@acme.example');
    expect(participantKey({ email: 'not an address' })).toBeNull();
  });

  it('associates only matched participants, first the sender, and drops bodies unless asked', () => {
    const plan = planItem(item, ['team.example']);
    const byKey = new Map([
      ['email:ana@client.example|ana', { key: 'k', status: 'matched' as const, id: 'c1', candidates: ['c1'], confidence: 1, reason: '' }],
      ['email:info@client.example', { key: 'k2', status: 'ambiguous' as const, id: null, candidates: ['c2', 'c3'], confidence: 0, reason: '' }],
    ]);
    const ids = contactsOf(plan, byKey);
    expect(ids).toEqual(['c1']);
    const meta = activityFor(plan, ids, 'co1', false);
    expect(meta.body).toBeUndefined();
    expect(meta.associations).toEqual([{ object: 'contact', id: 'c1' }, { object: 'company', id: 'co1' }]);
    expect(meta).toMatchObject({ kind: 'email', from: 'sam@eu.team.example', direction: 'outbound' });
    expect(activityFor(plan, ids, null, true).body).toBe('secret body');
  });
});

describe('cut-short and damaged files', () => {
  const ev = (uid: string, day: number) => ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART:202601${String(day).padStart(2, '0')}T100000Z`, 'SUMMARY:Call', 'END:VEVENT'];
  const cal = ['BEGIN:VCALENDAR', 'VERSION:2.0', ...ev('a', 1), ...ev('b', 2), ...ev('c', 3), 'END:VCALENDAR', ''];

  it('a whole calendar has no problem', () => {
    const r = parseCalendar(cal.join('\r\n'), 'x.ics');
    expect(r.problems).toEqual([]);
    expect(r.items.map((i) => i.externalId)).toEqual(['a', 'b', 'c']);
  });

  it('a calendar cut inside an event keeps the whole events before the cut and says so', () => {
    const cut = cal.slice(0, 14).join('\r\n'); // inside event c
    const r = parseCalendar(cut, 'x.ics');
    expect(r.items.map((i) => i.externalId)).toEqual(['a', 'b']);
    expect(r.problems).toEqual([{ origin: 'x.ics', message: expect.stringMatching(/cut short: it ends inside BEGIN:VEVENT of line 13 .* 2 whole event/) }]);
  });

  it('junk, a calendar cut before any event, and mismatched END lines are problems', () => {
    expect(parseCalendar('hello\nworld', 'j.ics')).toEqual({ items: [], problems: [{ origin: 'j.ics', message: expect.stringContaining('does not start with BEGIN:VCALENDAR') }] });
    expect(parseCalendar(cal.slice(0, 5).join('\r\n'), 'e.ics')).toMatchObject({ items: [], problems: [{ message: expect.stringContaining('cut short') }] });
    const bad = [...cal.slice(0, 6), 'END:VTODO', ...cal.slice(7)].join('\r\n');
    expect(parseCalendar(bad, 'b.ics').problems[0]?.message).toMatch(/line 7: END:VTODO does not close BEGIN:VEVENT of line 3; the file is damaged after 0 whole event/);
  });

  it('a cancelled event is skipped, not rejected', () => {
    const c = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:z', 'DTSTART:20260101T100000Z', 'STATUS:CANCELLED', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    expect(parseCalendar(c, 'c.ics').problems).toEqual([{ origin: 'c.ics event z', message: expect.any(String), skipped: true }]);
  });

  it('a message cut in its headers or before its closing MIME boundary is refused', async () => {
    expect(truncatedMessage('From: a@b.example\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000', null)).toMatch(/ends inside its headers/);
    const multipart = ['From: a@b.example', 'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'Content-Type: multipart/alternative; boundary="xyz"', '', '--xyz', 'Content-Type: text/plain', '', 'Hello', ''].join('\r\n');
    expect(truncatedMessage(multipart, 'xyz')).toMatch(/no closing boundary \(--xyz--\)/);
    expect(truncatedMessage(`${multipart}--xyz--\r\n`, 'xyz')).toBeNull();
    const r = await parseMail(multipart, 'm.eml');
    expect(r).toEqual({ items: [], problems: [{ origin: 'm.eml', message: expect.stringContaining('no closing boundary') }] });
    expect((await parseMail(`${multipart}--xyz--\r\n`, 'm.eml')).items).toHaveLength(1);
  });
});
