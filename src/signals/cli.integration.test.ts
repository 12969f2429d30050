/**
 * `inrecord import emails|calendar` through the command module against the Pipedrive simulator:
 * the JSON summary (imported, skipped own-domain, duplicates, unmatched → review, failed), a second
 * import that creates nothing, and the usage errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as importCmd from '../cli/commands/import.js';
import { generateWorld } from '../simulators/seed/index.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { splitMbox } from './parse.js';
import { worldFixtures } from './testdata/world-fixtures.js';

let sim: RunningSimulator;
let dir: string;
let fx: ReturnType<typeof worldFixtures>;

async function inrecord(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('inrecord').option('-c, --config <path>').option('--data-dir <dir>').option('--json').exitOverride();
  importCmd.register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  }) as typeof process.stderr.write;
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = '';
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'inrecord', '--config', join(dir, 'inrecord.yaml'), '--data-dir', join(dir, 'data'), ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

beforeAll(async () => {
  sim = await startSimulator('pipedrive', { records: 40, seed: 4 });
  dir = mkdtempSync(join(tmpdir(), 'inrecord-import-'));
  const world = generateWorld({ seed: 4, contacts: 40, leads: 40, convertedLeads: 5, messages: 40, outsiders: 20 });
  fx = worldFixtures(world);
  writeFileSync(join(dir, 'inbox.mbox'), fx.mbox);
  writeFileSync(join(dir, 'cal.ics'), fx.ics);
  writeFileSync(
    join(dir, 'inrecord.yaml'),
    ['crm:', '  kind: pipedrive', `  baseUrl: ${sim.apiBase}`, '  auth:', `    token: ${sim.token}`, 'identity:', `  ownDomains: [${world.teamDomain}]`, ''].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('inrecord import', () => {
  it('imports a mailbox with a JSON summary, and a second import creates nothing', async () => {
    const first = await inrecord('--json', 'import', 'emails', join(dir, 'inbox.mbox'), '--crm', 'pipedrive');
    expect(first.code, first.stderr).toBe(0);
    const s = JSON.parse(first.stdout);
    expect(s).toMatchObject({ crm: 'pipedrive', failed: 0, duplicates: 0, skippedOwnDomain: 1, invalid: 0 });
    expect(s.imported).toBeGreaterThan(5);
    expect(s.unmatched).toBeGreaterThan(0);
    expect(s.reviewItems).toBeGreaterThan(0);
    expect(s.imported + s.unmatched + s.skippedOwnDomain).toBe(s.total);

    const again = JSON.parse((await inrecord('--json', 'import', 'emails', join(dir, 'inbox.mbox'))).stdout);
    expect(again).toMatchObject({ imported: 0, duplicates: s.imported });
  }, 60_000);

  it('imports a calendar in text mode', async () => {
    const r = await inrecord('import', 'calendar', join(dir, 'cal.ics'), '--no-bodies');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^calendar: \d+ item\(s\) — \d+ imported/);
  }, 60_000);

  it('a calendar cut short: the whole events before the cut are imported, the cut is listed, exit 1 unless --allow-rejects', async () => {
    const whole = fx.ics.split(/\r?\n/);
    const ends = whole.flatMap((l, i) => (l.trim() === 'END:VEVENT' ? [i] : []));
    expect(ends.length).toBeGreaterThan(3);
    // cut in the middle of the fourth event
    writeFileSync(join(dir, 'cut.ics'), whole.slice(0, ends[2] + 3).join('\r\n'));
    const r = await inrecord('--json', 'import', 'calendar', join(dir, 'cut.ics'));
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.invalid).toBe(1);
    expect(s.problems.find((p: { skipped?: boolean }) => !p.skipped).message).toMatch(/cut short.*3 whole event/);
    expect(s.total).toBe(3 - s.problems.filter((p: { skipped?: boolean }) => p.skipped).length);
    const allowed = await inrecord('import', 'calendar', join(dir, 'cut.ics'), '--allow-rejects');
    expect(allowed.code, allowed.stderr).toBe(0);
    writeFileSync(join(dir, 'junk.ics'), 'this is not a calendar\n');
    const junk = await inrecord('import', 'calendar', join(dir, 'junk.ics'));
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain('does not start with BEGIN:VCALENDAR');
  }, 60_000);

  it('a message cut in its headers is refused, so the full copy imported later is the only one', async () => {
    const msg = splitMbox(fx.mbox)[0].replace(/^Message-ID:.*\r?\n/im, '').replace(/^Subject:.*$/im, 'Subject: Cut copy test');
    const cut = msg.slice(0, msg.search(/\r?\n\r?\n/));
    writeFileSync(join(dir, 'cut.eml'), cut);
    const first = await inrecord('--json', 'import', 'emails', join(dir, 'cut.eml'));
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout)).toMatchObject({ total: 0, invalid: 1 });
    expect(first.stdout).toContain('ends inside its headers');
    writeFileSync(join(dir, 'cut.eml'), msg);
    const full = JSON.parse((await inrecord('--json', 'import', 'emails', join(dir, 'cut.eml'))).stdout);
    expect(full).toMatchObject({ total: 1, invalid: 0, duplicates: 0 });
  }, 60_000);

  it.each([
    [['import', 'faxes', 'x'], 'unknown kind'],
    [['import', 'emails', 'x', '--crm', 'salesforce'], 'the config connects to pipedrive'],
    [['import', 'emails', '/no/such/file.mbox'], 'cannot read the import source'],
  ])('%j is a usage error', async (args, msg) => {
    const r = await inrecord(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(msg);
  });
});
