/**
 * CSV the way Bulk API 2.0 reads and writes it: a header row of field API names, RFC 4180 quoting
 * (a value holding the delimiter, a quote or a line break is quoted, quotes doubled), the job's
 * column delimiter and line ending. In uploaded data an empty value leaves a field as it is and
 * `#N/A` sets it to null. Pure: text in, rows out.
 */

/** The delimiters a job may name (`columnDelimiter`), and the character each stands for. */
export const DELIMITERS: Record<string, string> = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' };
export const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

/** The value that sets a field to null in uploaded data (an empty value leaves it unchanged). */
export const NULL_VALUE = '#N/A';

export class CsvError extends Error {}

/**
 * Parses CSV text into rows of strings (header included). A quoted value may hold the delimiter,
 * doubled quotes and line breaks. Lines end with `lineEnding`; with LF a carriage return before the
 * newline stays part of the last value, as Salesforce keeps it.
 */
export function parseCsv(text: string, delimiter = ',', lineEnding = '\n'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let value = '';
  let i = 0;
  const n = text.length;
  const eol = lineEnding;
  let quotedValue = false;
  while (i < n) {
    const c = text.charAt(i);
    if (c === '"' && value === '' && !quotedValue) {
      // A quoted value: up to the closing quote, "" is one quote.
      quotedValue = true;
      i++;
      for (;;) {
        if (i >= n) throw new CsvError('unterminated quoted value: a value that starts with a quote must end with one');
        const d = text.charAt(i);
        if (d === '"') {
          if (text.charAt(i + 1) === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      const next = text.charAt(i);
      if (i < n && next !== delimiter && !text.startsWith(eol, i)) throw new CsvError(`unexpected character after a quoted value at offset ${i}: a closing quote must end the value`);
      continue;
    }
    if (c === delimiter) {
      row.push(value);
      value = '';
      quotedValue = false;
      i++;
      continue;
    }
    if (text.startsWith(eol, i)) {
      row.push(value);
      rows.push(row);
      row = [];
      value = '';
      quotedValue = false;
      i += eol.length;
      continue;
    }
    if (c === '"') throw new CsvError(`a quote inside an unquoted value at offset ${i}: quote the whole value and double the quote`);
    value += c;
    i++;
  }
  if (value !== '' || quotedValue || row.length > 0) {
    row.push(value);
    rows.push(row);
  }
  return rows;
}

function quote(v: string, delimiter: string): string {
  return /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Serialises rows (header first); `quoteAll` quotes every non-empty value, as query results are. */
export function toCsv(rows: (string | null)[][], delimiter = ',', lineEnding = '\n', quoteAll = false): string {
  let out = '';
  for (const row of rows) {
    out += row.map((v) => (v === null || v === '' ? '' : quoteAll ? `"${v.replace(/"/g, '""')}"` : quote(v, delimiter))).join(delimiter);
    out += lineEnding;
  }
  return out;
}
