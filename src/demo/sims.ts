/**
 * The demo's simulators, each in a child process of its own (`inrecord sim <crm> --json`), so that
 * seeding and answering the API run beside inrecord instead of on its event loop. The demo drives
 * them as a user would: the CRM's API through the connector, rep edits and ground truth through
 * the simulator's control API (`/_sim/...`). In-process simulators remain an option for tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrmName } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { type RepEdit, startSimulator } from '../simulators/index.js';

export interface DemoSimulator {
  crm: CrmName;
  url: string;
  apiBase: string;
  token: string;
  /** Where the simulator runs: its own process id, or 'in-process'. */
  pid: number | 'in-process';
  repEdit(edit: RepEdit): Promise<void>;
  groundTruth<T>(): Promise<T>;
  close(): Promise<void>;
}

export interface DemoSimulatorOptions {
  seed: number;
  records: number;
  /** HubSpot: search calls a second the simulated portal admits. */
  searchPerSecond?: number;
  /** The API rate limit the simulator enforces (default: the CRM's documented one). */
  rateLimit?: { callsPerWindow: number; windowMs: number };
  /** 'process' (default): a child process; 'in-process': on this event loop (tests). */
  mode?: 'process' | 'in-process';
  /** The command that runs the inrecord CLI (default: this Node with its flags, and this build's CLI entry). */
  command?: string[];
}

/** This build's CLI entry: dist/cli/main.js when built, src/cli/main.ts under tsx. */
function cliCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  const entry = fileURLToPath(new URL(`../cli/main${extname(here)}`, import.meta.url));
  // from the TypeScript sources (tests, `npx tsx`), the child needs tsx's loader too
  const loader = extname(here) === '.ts' && !process.execArgv.some((a) => a.includes('tsx')) ? ['--import', 'tsx'] : [];
  return [process.execPath, ...process.execArgv, ...loader, entry];
}

async function control(url: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new InrecordError('IR_INTERNAL', `simulator control ${path} at ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

function viaHttp(crm: CrmName, info: { url: string; apiBase: string; token: string }, pid: number | 'in-process', close: () => Promise<void>): DemoSimulator {
  let truth: unknown;
  return {
    crm,
    ...info,
    pid,
    async repEdit(edit) {
      await control(info.url, '/_sim/rep-edit', edit);
    },
    async groundTruth<T>() {
      truth ??= await control(info.url, '/_sim/ground-truth');
      return truth as T;
    },
    close,
  };
}

async function inProcess(crm: CrmName, opts: DemoSimulatorOptions): Promise<DemoSimulator> {
  const sim = await startSimulator(crm, {
    seed: opts.seed,
    records: opts.records,
    ...(opts.searchPerSecond ? { searchPerSecond: opts.searchPerSecond } : {}),
    ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
  });
  return {
    crm,
    url: sim.url,
    apiBase: sim.apiBase,
    token: sim.token,
    pid: 'in-process',
    repEdit: (e) => sim.repEdit(e),
    groundTruth: async <T>() => sim.groundTruth() as T,
    close: () => sim.close(),
  };
}

// a demo that ends abruptly takes its simulators with it
const children = new Set<ChildProcess>();
let exitHook = false;

function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts one simulator and waits until it answers (its URL printed as JSON on stdout). */
export async function startDemoSimulator(crm: CrmName, opts: DemoSimulatorOptions): Promise<DemoSimulator> {
  if (opts.mode === 'in-process') return inProcess(crm, opts);
  const [cmd, ...args] = opts.command ?? cliCommand();
  const simArgs = ['--json', 'sim', crm, '--seed', String(opts.seed), '--records', String(opts.records), ...(opts.searchPerSecond ? ['--search-per-second', String(opts.searchPerSecond)] : []),
    ...(opts.rateLimit ? ['--rate-limit', `${opts.rateLimit.callsPerWindow}/${opts.rateLimit.windowMs}`] : []),
  ];
  const child = spawn(cmd as string, [...args, ...simArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const info = await new Promise<{ url: string; apiBase: string; token: string }>((resolve, reject) => {
    const fail = (why: string) => reject(new InrecordError('IR_INTERNAL', `the ${crm} simulator did not start: ${why}${err ? `\n${err.trim()}` : ''}`));
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? code})`));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const parsed = JSON.parse(out) as { url?: string; apiBase?: string; token?: string };
        if (parsed.url && parsed.apiBase && parsed.token) resolve({ url: parsed.url, apiBase: parsed.apiBase, token: parsed.token });
      } catch {
        // the JSON object is not complete yet
      }
    });
  }).catch(async (e) => {
    await stopChild(child);
    throw e;
  });
  child.removeAllListeners('exit');
  return viaHttp(crm, info, child.pid ?? 0, () => stopChild(child));
}
