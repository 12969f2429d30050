/**
 * Output sources. A JSONL file of `{ object, recordId, readAt?, outputs: [{ name, field, value,
 * confidence?, modelVersion?, flow }] }` lines pushes any model's outputs through inrecord's rules.
 * A bad line is a typed error naming the line, never skipped quietly.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InrecordError } from '../errors/index.js';
import { type RecordOutputs, recordOutputsSchema } from './types.js';

export function parseOutputLine(line: string, where: string): RecordOutputs {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    throw new InrecordError('IR_INPUT_INVALID', `${where}: not valid JSON (${(e as Error).message})`, { context: { line: where } });
  }
  const r = recordOutputsSchema.safeParse(doc);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`);
    throw new InrecordError('IR_INPUT_INVALID', `${where}: ${problems.join('; ')}`, { context: { line: where, problems } });
  }
  return r.data;
}

export async function* readOutputsFile(path: string): AsyncGenerator<RecordOutputs> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    yield parseOutputLine(line, `${path}:${n}`);
  }
}

/** Counts the records in a JSONL file (for the progress bar's total). */
export async function countOutputs(path: string): Promise<number> {
  return (await scanOutputs(path)).records;
}

/** Records and the flows named in a JSONL file, read once before the run (progress total, gates). */
export async function scanOutputs(path: string): Promise<{ records: number; flows: string[] }> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  const flows = new Set<string>();
  for await (const line of rl) {
    if (line.trim() === '') continue;
    n++;
    for (const m of line.matchAll(/"flow"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) flows.add(JSON.parse(`"${m[1]}"`));
  }
  return { records: n, flows: [...flows] };
}
