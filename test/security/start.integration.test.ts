/**
 * `inrecord run` starts all or nothing, as a user starts it (a real process): a port in use, or a
 * console bound beyond loopback without a token, ends the process with the catalogue error and a
 * non-zero exit before any CRM call — no poll, no worker, no write reaches the simulated CRM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/types.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../../src/store/testing/index.js';

describe('inrecord run refusing to start', () => {
  let sim: RunningSimulator;
  let squatter: Server;
  let busyPort = 0;
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-start-'));
  const schemas: string[] = [];

  const writeConfig = (name: string, server: string) => {
    const schema = uniqueSchema('start');
    schemas.push(schema);
    const path = join(dir, `${name}.yaml`);
    writeFileSync(
      path,
      [
        'crm:',
        '  kind: pipedrive',
        `  baseUrl: ${sim.url}`,
        '  auth:',
        `    token: ${sim.token}`,
        'store:',
        `  databaseUrl: ${TEST_DATABASE_URL}`,
        `  schema: ${schema}`,
        `server: ${server}`,
        'flows:',
        '  - name: scoring',
        '    kind: scoring',
        '    object: contact',
        '    outputs: { score: Lead score }',
        '    trigger: { poll: 1s }',
        '    settings:',
        '      model: rules',
        '      features: { seniority: { field: Seniority, type: category } }',
        '      base: 30',
        '      rules: [{ feature: seniority, equals: [vp], points: 30, label: senior buyer }]',
        '',
      ].join('\n'),
    );
    return path;
  };

  /** Runs `inrecord run` to its end (or 60 s): exit code and output. */
  const run = (config: string) =>
    new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', resolve('src/cli/main.ts'), '--config', config, 'run'],
        {
          cwd: resolve('.'),
          env: { ...process.env, DATABASE_URL: '', INRECORD_CONSOLE_TOKEN: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += String(c)));
      child.stderr.on('data', (c) => (err += String(c)));
      const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (code) => {
        clearTimeout(kill);
        done({ code, out, err });
      });
    });

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 20, seed: 5 });
    squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    busyPort = (squatter.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => squatter?.close(r));
    await sim?.close();
    for (const s of schemas) await dropSchemas(s).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits non-zero with IR_SERVER_BIND when the port is in use, having called the CRM not once', async () => {
    sim.resetStats();
    const res = await run(writeConfig('busy', `{ host: 127.0.0.1, port: ${busyPort} }`));
    expect(res.code, res.err).toBe(1);
    expect(res.err).toContain(`cannot listen on 127.0.0.1:${busyPort}: the port is in use (IR_SERVER_BIND)`);
    expect(res.err).toMatch(/→ Stop the process that holds the port/);
    // a moment for anything still running to show itself
    await new Promise((r) => setTimeout(r, 1500));
    const stats = sim.stats();
    expect(stats.integrationWrites).toBe(0);
    expect(stats.calls).toEqual({});
  }, 90_000);

  it('exits non-zero with IR_CONFIG_INVALID when bound beyond loopback without a token, having called the CRM not once', async () => {
    sim.resetStats();
    const res = await run(writeConfig('open', '{ host: 0.0.0.0, port: 0 }'));
    expect(res.code, res.err).toBe(2);
    expect(res.err).toContain('server.host is 0.0.0.0 but no console token is set (IR_CONFIG_INVALID)');
    await new Promise((r) => setTimeout(r, 1500));
    const stats = sim.stats();
    expect(stats.integrationWrites).toBe(0);
    expect(stats.calls).toEqual({});
  }, 90_000);
});
