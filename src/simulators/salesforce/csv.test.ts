import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, toCsv } from './csv.js';

describe('Bulk API CSV', () => {
  it('reads quoted values holding delimiters, doubled quotes and line breaks', () => {
    expect(parseCsv('Id,Title\n1,"a, ""b""\nc"\n2,\n')).toEqual([
      ['Id', 'Title'],
      ['1', 'a, "b"\nc'],
      ['2', ''],
    ]);
  });

  it('follows the job’s delimiter and line ending; with LF a carriage return stays in the value', () => {
    expect(parseCsv('Id|Title\r\n1|x\r\n', '|', '\r\n')).toEqual([['Id', 'Title'], ['1', 'x']]);
    expect(parseCsv('Id,Title\r\n1,x\r\n', ',', '\n')).toEqual([['Id', 'Title\r'], ['1', 'x\r']]);
  });

  it('refuses a stray quote and an unterminated quoted value', () => {
    expect(() => parseCsv('Id,Title\n1,a"b\n')).toThrow(CsvError);
    expect(() => parseCsv('Id,Title\n1,"ab\n')).toThrow(CsvError);
  });

  it('writes what it reads; query results quote every value and leave nulls empty', () => {
    const rows = [['Id', 'Title'], ['1', 'a, "b"\nc'], ['2', '']];
    expect(parseCsv(toCsv(rows))).toEqual(rows);
    expect(toCsv([['Id', 'Name'], ['1', null]], ',', '\n', true)).toBe('"Id","Name"\n"1",\n');
  });
});
