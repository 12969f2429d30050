/**
 * Reading activity sources: a file or a folder of .eml / .mbox / .ics / .jsonl files, dispatched to
 * the readers by extension (a folder is read in name order, so imports are repeatable). Files are
 * streamed in 1 MiB pieces: a piece is parsed, its items handed on, and forgotten, so an import's
 * memory does not grow with the source.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InrecordError } from '../errors/index.js';
import { CalendarReader } from './calendar.js';
import { FeedReader, readMail } from './parse.js';
import type { ActivityItem, ParseProblem, ParsedItems } from './types.js';

export type ActivitySourceKind = 'emails' | 'calendar';

const MAIL = new Set(['.eml', '.mbox', '.mbx', '.msg', '']);
const CAL = new Set(['.ics', '.ical', '.ifb']);
const FEED = new Set(['.jsonl', '.ndjson', '.json']);

function files(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InrecordError('IR_USAGE', `cannot read the import source ${path}: ${(err as Error).message}`, {
      fix: 'Pass an existing file or folder (.eml, .mbox, .ics or .jsonl).',
    });
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => join(path, n))
    .filter((p) => statSync(p).isFile());
}

/** Opens a feed over HTTP(S); any answer but 2xx is an error naming the URL. */
async function openFeed(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/x-ndjson, application/json, text/plain' } });
  } catch (err) {
    throw new InrecordError('IR_INPUT_INVALID', `the feed ${url} could not be fetched: ${(err as Error).message}`, {
      fix: 'Check that the feed URL is reachable from this machine.',
    });
  }
  if (!res.ok)
    throw new InrecordError('IR_INPUT_INVALID', `the feed ${url} answered HTTP ${res.status}`, {
      fix: 'Check the feed URL and its credentials.',
    });
  return res;
}

/** Fetches a JSONL feed over HTTP(S) whole. */
export async function fetchFeedText(url: string): Promise<string> {
  return (await openFeed(url)).text();
}

/** A JSONL feed over HTTP(S) as text pieces, as they arrive. */
async function* feedPieces(url: string): AsyncGenerator<string> {
  const res = await openFeed(url);
  if (!res.body) return;
  yield* res.body.pipeThrough(new TextDecoderStream()) as unknown as AsyncIterable<string>;
}

export interface ActivityStreamOptions {
  /** Each message, event or line that cannot be used, as it is met. */
  onProblem?: (problem: ParseProblem) => void;
  /** Bytes read of the files' total size. */
  onProgress?: (done: number, total: number) => void;
}

/** A synchronous reader (calendar, feed) over a stream of pieces. */
async function* readWith(reader: { push(piece: string): ParsedItems; end(): ParsedItems }, pieces: AsyncIterable<string>): AsyncGenerator<ParsedItems> {
  for await (const piece of pieces) yield reader.push(piece);
  yield reader.end();
}

/**
 * The items of an emails or calendar source, a piece at a time: a file, a folder, or an http(s) URL
 * of a JSONL feed, read as it arrives (JSONL feeds are accepted for both kinds). Problems go to
 * `onProblem` as they are met; a file of another kind is a skipped problem.
 */
export async function* readActivityStream(kind: ActivitySourceKind, path: string, opts: ActivityStreamOptions = {}): AsyncGenerator<ActivityItem[]> {
  const parts = /^https?:\/\//i.test(path) ? [{ path, pieces: null }] : files(path).map((f) => ({ path: f, pieces: f }));
  const total = parts.reduce((n, p) => n + (p.pieces ? statSync(p.pieces).size : 0), 0);
  let done = 0;
  for (const { path: f, pieces: file } of parts) {
    const ext = extname(f).toLowerCase();
    const reader =
      file === null || FEED.has(ext) ? 'feed' : kind === 'calendar' && CAL.has(ext) ? 'calendar' : kind === 'emails' && MAIL.has(ext) ? 'mail' : null;
    if (reader === null) {
      opts.onProblem?.({ origin: f, message: `a ${ext || 'extension-less'} file is not a ${kind} source: skipped`, skipped: true });
      done += statSync(f).size;
      continue;
    }
    let pieces: AsyncIterable<string>;
    if (file === null) pieces = feedPieces(f);
    else {
      const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>;
      pieces = (async function* () {
        for await (const piece of stream) {
          yield piece;
          done += Buffer.byteLength(piece);
          opts.onProgress?.(done, total);
        }
      })();
    }
    const parsed =
      reader === 'feed' ? readWith(new FeedReader(f), pieces) : reader === 'calendar' ? readWith(new CalendarReader(f), pieces) : readMail(pieces, f);
    for await (const piece of parsed) {
      for (const problem of piece.problems) opts.onProblem?.(problem);
      if (piece.items.length > 0) yield piece.items;
    }
  }
}

/** Every item of an emails or calendar source in one array, with its problems (small sources). */
export async function readActivitySource(kind: ActivitySourceKind, path: string): Promise<ParsedItems> {
  const out: ParsedItems = { items: [], problems: [] };
  for await (const items of readActivityStream(kind, path, { onProblem: (p) => out.problems.push(p) }))
    // one push per item: spreading 100,000s of items into push() overflows the call stack
    for (const item of items) out.items.push(item);
  return out;
}
