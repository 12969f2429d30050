import { describe, expect, it } from 'vitest';
import { CsvReader, aggregateUsage, parseCsv, usageEventsOf, usageTrend } from './usage-aggregate.js';
import { companyKeyOf } from './usage.js';

const AS_OF = new Date('2026-11-28T12:00:00.000Z');
const ago = (d: number) => new Date(AS_OF.getTime() - d * 86_400_000).toISOString();

describe('usage', () => {
  it('parses RFC 4180 CSV: quotes, doubled quotes, CRLF, blank lines', () => {
    expect(parseCsv('A,b\r\n"x, y","say ""hi"""\r\n\r\n1,\n')).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: '1', b: '' },
    ]);
  });

  it('turns rows into events and names the rows it cannot use', () => {
    const { events, problems } = usageEventsOf(
      [
        { user_email: 'A.B@Acme.example', feature: 'export', occurred_at: '2026-11-20T10:00:00+01:00' },
        { account_id: 'acc-9', timestamp: '1795000000' },
        { user_email: 'not-an-email', occurred_at: ago(1) },
        { feature: 'x', occurred_at: ago(1) },
        { user_email: 'a@b.example', occurred_at: 'yesterday' },
      ],
      'u.csv',
    );
    expect(events[0]).toMatchObject({ userEmail: 'a.b@acme.example', feature: 'export', at: '2026-11-20T09:00:00.000Z' });
    expect(events[1]).toMatchObject({ accountId: 'acc-9', at: new Date(1795000000 * 1000).toISOString() });
    expect(events[0]?.key).toMatch(/^h:/);
    expect(problems.map((p) => p.origin)).toEqual(['u.csv row 3', 'u.csv row 4', 'u.csv row 5']);
  });

  it.each([
    [0, 0, 'inactive'],
    [3, 0, 'new'],
    [13, 10, 'rising'],
    [11, 10, 'steady'],
    [7, 10, 'falling'],
  ] as const)('trend %i vs %i → %s', (a, b, t) => {
    expect(usageTrend(a, b)).toBe(t);
  });

  it('aggregates last active, 7 / 30-day users, features and adoption at a moment', () => {
    const ev = (user: string, feature: string, d: number) => ({ key: `${user}${d}`, userEmail: user, accountId: null, accountName: null, domain: null, feature, at: ago(d) });
    const a = aggregateUsage([ev('a', 'x', 1), ev('b', 'y', 6), ev('a', 'x', 20), ev('c', 'z', 45), ev('d', 'x', -1)], AS_OF, 4);
    expect(a).toEqual({
      lastActive: ago(1),
      events30d: 3,
      features30d: ['x', 'y'],
      activeUsers7d: 2,
      activeUsers30d: 2,
      featureAdoption: 50,
      trend: 'rising',
    });
  });

  it.each([
    [{ domain: 'acme.example', userEmail: 'a@gmail.com', accountId: '1' }, 'domain:acme.example'],
    [{ domain: null, userEmail: 'a@acme.example', accountId: '1' }, 'domain:acme.example'],
    [{ domain: null, userEmail: 'a@gmail.com', accountId: '1' }, 'account:1'],
    [{ domain: null, userEmail: 'a@gmail.com', accountId: null }, null],
  ])('company key of %o → %s', (e, key) => {
    expect(companyKeyOf({ key: 'k', accountName: null, feature: null, at: ago(0), ...e })).toBe(key);
  });
});

describe('parseCsv on a damaged file', () => {
  it('an unterminated quote is refused with the line it opens on, never swallowing the rows after it', () => {
    expect(() => parseCsv('email,event,at\na@x.example,login,2026-01-01\nb@x.example,"login,2026-01-02\nc@x.example,login,2026-01-03\n', 'usage.csv')).toThrow(
      /usage\.csv line 3: a quoted field opens here and is never closed/,
    );
  });
});

describe('CsvReader, a file read in pieces', () => {
  const text = 'Email,Note,At\r\n"a@x.example","say ""hi"",\r\nthen go",2026-01-01\r\n\r\nb@x.example,,2026-01-02\n"c@x.example",""""\r\n';
  it('gives the same records wherever the chunks are cut (quotes, doubled quotes and CRLF split across chunks)', () => {
    const whole = parseCsv(text);
    expect(whole).toEqual([
      { email: 'a@x.example', note: 'say "hi",\r\nthen go', at: '2026-01-01' },
      { email: 'b@x.example', note: '', at: '2026-01-02' },
      { email: 'c@x.example', note: '"', at: '' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      for (const size of [1, 2, 3, cut]) {
        const reader = new CsvReader();
        const rows: Record<string, string>[] = [];
        for (let i = 0; i < text.length; i += size) rows.push(...reader.push(text.slice(i, i + size)));
        rows.push(...reader.end());
        expect(rows, `chunks of ${size}`).toEqual(whole);
      }
    }
  });

  it('names the line of a quote that never closes, counted across chunks', () => {
    const reader = new CsvReader('big.csv');
    reader.push('email,event\na@x.example,lo');
    reader.push('gin\nb@x.example,"log');
    expect(() => reader.end()).toThrow(/big\.csv line 3: a quoted field opens here/);
  });
});
