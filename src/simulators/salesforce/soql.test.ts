import { beforeAll, describe, expect, it } from 'vitest';
import { SoqlError, parseSoql } from './soql-parser.js';
import { SalesforceOrg } from './state.js';

// A tiny org with known rows; queries are checked against the expected last names.
const org = new SalesforceOrg();
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
org.clock = () => NOW;
const ids: Record<string, string> = {};

beforeAll(() => {
  const user = org.insertRaw('User', { LastName: 'Integration', FirstName: 'Api', IsActive: true });
  org.integrationUserId = user;
  const rep = org.insertRaw('User', { LastName: 'Rep', FirstName: 'Rita', IsActive: true });
  const add = (name: string, v: Record<string, unknown>, createdDaysAgo: number) => {
    ids[name] = org.insertRaw('Lead', { LastName: name, Company: 'Co', ...v }, { at: NOW - createdDaysAgo * 86_400_000, userId: user });
  };
  add('Smith', { FirstName: 'John', Email: 'john@acme.com', Status: 'Working - Contacted', AnnualRevenue: 1000, Rating: 'Hot', OwnerId: rep }, 0);
  add("O'Brien", { FirstName: 'Ann', Email: 'ann@beta.io', AnnualRevenue: 5000, Rating: null }, 3);
  add('smithers', { Email: null, AnnualRevenue: null, Industry: 'Banking' }, 40);
  add('Zed', { FirstName: 'Zoe', Email: 'zoe@acme.com', AnnualRevenue: 1500, IsConverted: true, ConvertedDate: '2026-11-01' }, 400);
});

const names = (soql: string) => {
  const q = org.compile(soql);
  return org.runQuery(q, false).map((r) => r.LastName);
};

describe('SOQL engine (salesforce.md §3.4, §3.5)', () => {
  it.each([
    ["SELECT Id FROM Lead WHERE LastName = 'smith'", ['Smith']], // case-insensitive =
    ["SELECT Id FROM Lead WHERE LastName LIKE 'smith%' ORDER BY LastName", ['Smith', 'smithers']],
    ["SELECT Id FROM Lead WHERE LastName LIKE 'O\\'Br%'", ["O'Brien"]],
    ["SELECT Id FROM Lead WHERE NOT LastName LIKE 'smith%' ORDER BY LastName", ["O'Brien", 'Zed']],
    ['SELECT Id FROM Lead WHERE AnnualRevenue >= 1000 AND AnnualRevenue < 2000 ORDER BY AnnualRevenue DESC', ['Zed', 'Smith']],
    ["SELECT Id FROM Lead WHERE Email IN ('JOHN@acme.com', 'zoe@acme.com') ORDER BY LastName", ['Smith', 'Zed']],
    ["SELECT Id FROM Lead WHERE Email NOT IN ('john@acme.com') ORDER BY LastName", ["O'Brien", 'smithers', 'Zed']],
    ['SELECT Id FROM Lead WHERE Email = null', ['smithers']],
    ["SELECT Id FROM Lead WHERE Rating != 'Hot' ORDER BY LastName", ["O'Brien", 'smithers', 'Zed']], // != includes nulls
    ['SELECT Id FROM Lead WHERE IsConverted = true', ['Zed']],
    ['SELECT Id FROM Lead WHERE ConvertedDate > 2026-10-31', ['Zed']],
    ['SELECT Id FROM Lead WHERE CreatedDate > 2026-11-20T00:00:00Z ORDER BY CreatedDate', ["O'Brien", 'Smith']],
    ['SELECT Id FROM Lead WHERE CreatedDate >= 2026-11-28T13:00:00+02:00', ['Smith']],
    ['SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:7 ORDER BY LastName', ["O'Brien", 'Smith']],
    ['SELECT Id FROM Lead WHERE CreatedDate = TODAY', ['Smith']],
    ["SELECT Id FROM Lead WHERE (Rating = 'Hot' OR Industry = 'Banking') AND LastName != 'Zed' ORDER BY LastName", ['Smith', 'smithers']],
    ['SELECT Id FROM Lead ORDER BY AnnualRevenue', ['smithers', 'Smith', 'Zed', "O'Brien"]], // NULLS FIRST by default
    ['SELECT Id FROM Lead ORDER BY AnnualRevenue NULLS LAST', ['Smith', 'Zed', "O'Brien", 'smithers']],
    ['SELECT Id FROM Lead ORDER BY LastName LIMIT 2 OFFSET 1', ['Smith', 'smithers']],
    ["SELECT Id FROM Lead WHERE Owner.LastName = 'rep'", ['Smith']],
    // Range-bounded scans over a sorted view (the SystemModstamp index path), nulls either side.
    ['SELECT Id FROM Lead WHERE AnnualRevenue > 1000 ORDER BY AnnualRevenue', ['Zed', "O'Brien"]],
    ['SELECT Id FROM Lead WHERE AnnualRevenue >= 1500 ORDER BY AnnualRevenue NULLS LAST', ['Zed', "O'Brien"]],
    ["SELECT Id FROM Lead WHERE SystemModstamp >= 2026-11-01T00:00:00Z AND LastName != 'Smith' ORDER BY SystemModstamp, Id", ["O'Brien"]],
    ['SELECT Id FROM Lead WHERE CreatedDate > 2026-11-28T12:00:00Z ORDER BY CreatedDate', []],
    // The bound alone on a date field: the rows past it are taken without the filter, nulls left out.
    ['SELECT Id FROM Lead WHERE ConvertedDate >= 2026-01-01 ORDER BY ConvertedDate', ['Zed']],
    ['SELECT Id FROM Lead WHERE ConvertedDate >= 2026-01-01 ORDER BY ConvertedDate NULLS LAST', ['Zed']],
    ['SELECT Id FROM Lead WHERE ConvertedDate > 2026-11-01 ORDER BY ConvertedDate NULLS LAST', []],
    ['SELECT Id FROM Lead WHERE CreatedDate >= 2026-11-25T12:00:00Z ORDER BY CreatedDate, Id', ["O'Brien", 'Smith']],
    ['SELECT Id FROM Lead WHERE CreatedDate > 2026-11-25T11:00:00Z ORDER BY CreatedDate DESC', ['Smith', "O'Brien"]],
  ])('%s', (soql, expected) => {
    expect(names(soql)).toEqual(expected);
  });

  it('answers a bare modified-since bound exactly as the full filter does', () => {
    const big = new SalesforceOrg();
    big.clock = () => NOW;
    big.integrationUserId = big.insertRaw('User', { LastName: 'Integration', IsActive: true });
    for (let i = 0; i < 300; i++)
      big.insertRaw('Lead', { LastName: `L${i}`, Company: 'Co' }, { at: NOW - ((i * 7919) % 200) * 3_600_000 - (i % 3) * 1000 });
    const ids = (soql: string) => big.runQuery(big.compile(soql), false).map((r) => r.Id);
    for (const since of ['2026-11-20T00:00:00Z', '2026-11-25T07:00:00Z', '2026-11-27T23:59:59Z', '2026-12-01T00:00:00Z']) {
      for (const op of ['>=', '>']) {
        const bare = ids(`SELECT Id FROM Lead WHERE SystemModstamp ${op} ${since} ORDER BY SystemModstamp ASC, Id ASC`);
        const filtered = ids(`SELECT Id FROM Lead WHERE SystemModstamp ${op} ${since} AND Id != null ORDER BY SystemModstamp ASC, Id ASC`);
        expect(bare).toEqual(filtered);
      }
    }
    expect(ids('SELECT Id FROM Lead WHERE SystemModstamp >= 2026-11-25T07:00:00Z ORDER BY SystemModstamp ASC, Id ASC').length).toBeGreaterThan(50);
  });

  it('matches a 15-char id literal against the stored 18-char id (§3.5)', () => {
    expect(names(`SELECT Id FROM Lead WHERE Id = '${(ids.Smith as string).slice(0, 15)}'`)).toEqual(['Smith']);
  });

  it('projects canonical casing and nested parents (§3.2)', () => {
    const q = org.compile("SELECT id, lastname, owner.lastname FROM lead WHERE LastName = 'Smith'");
    const rec = q.project(org.runQuery(q, false)[0] as Record<string, unknown>, '62.0');
    expect(Object.keys(rec)).toEqual(['attributes', 'Id', 'LastName', 'Owner']);
    expect((rec.Owner as Record<string, unknown>).LastName).toBe('Rep');
    expect(rec.attributes).toEqual({ type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${ids.Smith}` });
  });

  it.each([
    // §3.4 pitfall: a quoted datetime is INVALID_FIELD, a stringified JS Date is MALFORMED_QUERY.
    ["SELECT Id FROM Lead WHERE LastModifiedDate >= '2018-12-27T15:28:16.158Z'", 'INVALID_FIELD', 'must be of type dateTime and should not be enclosed in quotes'],
    ['SELECT Id FROM Lead WHERE LastModifiedDate >= Thu Dec 27 2018 13:30:16 GMT+0000', 'MALFORMED_QUERY', 'Bind variables only allowed in Apex code'],
    // §3.1: an unencoded '+' arrives as a space.
    ['SELECT Id FROM Lead WHERE LastModifiedDate >= 2024-01-01T00:00:00 00:00', 'MALFORMED_QUERY', "no viable alternative at character ' '"],
    ['SELECT Id, Foo__c FROM Lead', 'INVALID_FIELD', "No such column 'Foo__c' on entity 'Lead'"],
    ['SELECT Id FROM Leed', 'INVALID_TYPE', "sObject type 'Leed' is not supported"],
    ['SELECT Id FROM Lead WHERE ConvertedDate > 2026-10-31T00:00:00Z', 'INVALID_FIELD', 'must be of type date'],
    ["SELECT Id FROM Lead WHERE AnnualRevenue > '5'", 'INVALID_FIELD', 'must be of type double'],
    ['SELECT Id FROM Lead WHERE Description = null', 'INVALID_FIELD', 'can not be filtered'],
    ['SELECT Id FROM Lead WHERE', 'MALFORMED_QUERY', 'ERROR at Row:1:Column:'],
    ["SELECT Id FROM Lead WHERE Id = 'nope'", 'INVALID_QUERY_FILTER_OPERATOR', 'invalid ID field: nope'],
  ])('%s → %s', (soql, code, text) => {
    try {
      org.compile(soql);
      expect.unreachable('the query should have failed');
    } catch (e) {
      expect(e).toBeInstanceOf(SoqlError);
      expect((e as SoqlError).errorCode).toBe(code);
      expect((e as SoqlError).message).toContain(text);
    }
  });

  it('parses count(), keyword case and NOT IN', () => {
    const q = parseSoql("select count() from Lead where Status not in ('A','B')");
    expect(q.count).toBe(true);
    expect(q.where).toMatchObject({ op: 'NOT IN' });
  });
});
