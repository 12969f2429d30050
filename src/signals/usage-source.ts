/**
 * Where usage rows come from: a CSV or JSONL file (streamed a piece at a time, never held whole),
 * an HTTP endpoint serving JSONL or a JSON array, a Postgres query past the cursor, or rows in hand.
 */
import { createReadStream, statSync } from 'node:fs';
import pg from 'pg';
import { InrecordError } from '../errors/index.js';
import { fetchFeedText } from './sources.js';
import { CsvReader } from './usage-aggregate.js';
import { SNAPSHOT_TIME_COLUMNS, isSnapshotSource } from './usage-snapshot.js';

export type UsageSource = { kind: 'file'; path: string } | { kind: 'postgres'; url: string; query: string } | { kind: 'rows'; name: string; rows: Record<string, unknown>[] };

/** JSON lines → rows; `first` is the line number of lines[0]. A line that is not JSON is an invalid row. */
function jsonRows(lines: readonly string[], first = 1): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      rows.push({ __invalid: `line ${i + first} is not JSON` });
    }
  }
  return rows;
}

type Mode = 'auto' | 'events' | 'snapshots';

/** A source's rows, a chunk at a time: files are streamed, never held whole. */
interface RowStream {
  name: string;
  /** Known from the source itself (a query's columns); else judged on the first rows. */
  snapshots?: boolean;
  chunks: AsyncIterable<Record<string, unknown>[]>;
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/** A CSV or JSONL file read in 1 MiB pieces; progress is bytes read of the file's size. */
async function* fileRows(path: string, progress?: (done: number, total: number) => void): AsyncGenerator<Record<string, unknown>[]> {
  const total = statSync(path).size;
  const csv = /\.(jsonl|ndjson|json)$/i.test(path) ? null : new CsvReader(path);
  let done = 0;
  let carry = '';
  let line = 1;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    done += Buffer.byteLength(chunk);
    if (csv) {
      const rows = csv.push(chunk);
      if (rows.length > 0) yield rows;
    } else {
      const lines = (carry + chunk).split(/\r?\n/);
      carry = lines.pop() ?? '';
      yield jsonRows(lines, line);
      line += lines.length;
    }
    progress?.(done, total);
  }
  const last = csv ? csv.end() : jsonRows([carry], line);
  if (last.length > 0) yield last;
}

export async function openRows(src: UsageSource, since: string | null, mode: Mode, progress?: (done: number, total: number) => void): Promise<RowStream> {
  if (src.kind === 'rows') return { name: src.name, chunks: once(src.rows) };
  if (src.kind === 'file' && /^https?:\/\//i.test(src.path)) {
    // an HTTP endpoint serving JSONL (or a JSON array) of usage rows
    const text = (await fetchFeedText(src.path)).trim();
    if (text.startsWith('[')) {
      try {
        return { name: src.path, chunks: once(JSON.parse(text) as Record<string, unknown>[]) };
      } catch {
        return { name: src.path, chunks: once([{ __invalid: 'the JSON array could not be parsed' }]) };
      }
    }
    return { name: src.path, chunks: once(jsonRows(text.split(/\r?\n/))) };
  }
  if (src.kind === 'file') {
    try {
      if (!statSync(src.path).isFile()) throw new Error('not a file');
    } catch (err) {
      throw new InrecordError('IR_USAGE', `cannot read the usage file ${src.path}: ${(err as Error).message}`, {
        fix: 'Pass an existing .csv or .jsonl file.',
      });
    }
    return { name: src.path, chunks: fileRows(src.path, progress) };
  }
  // the warehouse path: the user's SELECT, filtered on event (or snapshot) time past the cursor, oldest first
  const client = new pg.Client({ connectionString: src.url });
  try {
    await client.connect();
    const inner = src.query.replace(/;\s*$/, '');
    let snapshots = mode === 'snapshots';
    let timeColumn: string | undefined = 'occurred_at';
    if (mode !== 'events') {
      const columns = (await client.query(`SELECT * FROM (${inner}) AS usage_rows LIMIT 0`)).fields.map((f) => f.name.toLowerCase());
      snapshots ||= isSnapshotSource(columns);
      if (snapshots) timeColumn = SNAPSHOT_TIME_COLUMNS.find((c) => columns.includes(c));
    }
    const sql = timeColumn
      ? `SELECT * FROM (${inner}) AS usage_rows WHERE ($1::timestamptz IS NULL OR ${timeColumn} >= $1::timestamptz) ORDER BY ${timeColumn}`
      : `SELECT * FROM (${inner}) AS usage_rows`;
    const r = await client.query(sql, timeColumn ? [since] : []);
    return { name: src.query, chunks: once(r.rows as Record<string, unknown>[]), snapshots };
  } catch (err) {
    throw new InrecordError('IR_INPUT_INVALID', `usage query failed: ${(err as Error).message}`, {
      fix: 'The query must return occurred_at (timestamptz) and user_email, account_id or domain — or, for snapshots, active_users_7d / active_users_30d / last_active … with an optional snapshot_at; check the connection string and the SQL.',
    });
  } finally {
    await client.end().catch(() => {});
  }
}

