/**
 * Reading activity sources from disk: a file or a folder of .eml / .mbox / .ics / .jsonl files,
 * dispatched to the parsers by extension (a folder is read in name order, so imports are repeatable).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InrecordError } from '../errors/index.js';
import { parseCalendar, parseFeed, parseMail } from './parse.js';
import type { ParsedItems } from './types.js';

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

/** Fetches a JSONL feed over HTTP(S); any answer but 2xx is an error naming the URL. */
export async function fetchFeedText(url: string): Promise<string> {
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
  return res.text();
}

/**
 * Parses every item of an emails or calendar source: a file, a folder, or an http(s) URL of a JSONL
 * feed (JSONL feeds are accepted for both kinds).
 */
export async function readActivitySource(kind: ActivitySourceKind, path: string): Promise<ParsedItems> {
  if (/^https?:\/\//i.test(path)) return parseFeed(await fetchFeedText(path), path);
  const out: ParsedItems = { items: [], problems: [] };
  for (const f of files(path)) {
    const ext = extname(f).toLowerCase();
    const text = readFileSync(f, 'utf8');
    let parsed: ParsedItems;
    if (FEED.has(ext)) parsed = parseFeed(text, f);
    else if (kind === 'calendar' && CAL.has(ext)) parsed = parseCalendar(text, f);
    else if (kind === 'emails' && MAIL.has(ext)) parsed = await parseMail(text, f);
    else {
      out.problems.push({ origin: f, message: `a ${ext || 'extension-less'} file is not a ${kind} source: skipped`, skipped: true });
      continue;
    }
    // one push per item: spreading a file of 100,000s of items into push() overflows the call stack
    for (const item of parsed.items) out.items.push(item);
    for (const problem of parsed.problems) out.problems.push(problem);
  }
  return out;
}
