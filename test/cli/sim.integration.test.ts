/**
 * `inrecord sim <crm>` as a new user starts it: it prints what the config's `crm.webhooks` must hold
 * for its deliveries to be accepted, and a Pipedrive subscription made with --webhook-url carries
 * the Basic auth credentials given on the command line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | null = null;
afterEach(() => {
  child?.kill('SIGTERM');
  child = null;
});

/** Starts the simulator CLI and resolves with its first JSON line. */
function startSim(args: string[]): Promise<Record<string, unknown>> {
  child = spawn(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), '--json', 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    // --json prints one object (pretty-printed) and then serves until stopped
    child?.stdout?.on('data', (d) => {
      out += String(d);
      try {
        ok(JSON.parse(out));
      } catch {
        // not whole yet
      }
    });
    child?.on('exit', (code) => fail(new Error(`sim exited ${code}`)));
  });
}

describe('inrecord sim', () => {
  it('salesforce: prints the org id and the URL secret to put in crm.webhooks', async () => {
    const info = await startSim(['salesforce', '--records', '20', '--webhook-url', 'http://127.0.0.1:9/webhooks/salesforce?secret=s3cret']);
    expect(info.webhooks).toEqual({ orgId: expect.stringMatching(/^00D[0-9A-Za-z]{12,15}$/), urlSecret: 's3cret' });
    // and the variables the init config reads, to export as they are
    expect(info.env).toEqual({
      SALESFORCE_INSTANCE_URL: info.url,
      SALESFORCE_ACCESS_TOKEN: info.token,
      SALESFORCE_ORG_ID: (info.webhooks as { orgId: string }).orgId,
      SALESFORCE_OUTBOUND_SECRET: 's3cret',
    });
  }, 60_000);

  it('pipedrive: --webhook-user/--webhook-password go into the subscription and deliveries carry them', async () => {
    let auth: string | undefined;
    const hook = createServer((req, res) => {
      auth ??= req.headers.authorization;
      res.end('ok');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as { port: number }).port;
    try {
      const info = await startSim(['pipedrive', '--records', '20', '--webhook-url', `http://127.0.0.1:${port}/webhooks/pipedrive`, '--webhook-user', 'inrecord', '--webhook-password', 'hook-secret']);
      expect(info.webhooks).toEqual({ basicUser: 'inrecord', basicPassword: 'hook-secret' });
      // a rep edit through the control API makes the simulator deliver an event
      const res = await fetch(`${info.url}/_sim/rep-edit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ object: 'persons', id: '1', fields: { name: 'Renamed Person' } }),
      });
      expect(res.status).toBe(200);
      const end = Date.now() + 15_000;
      while (!auth && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(auth).toBe(`Basic ${Buffer.from('inrecord:hook-secret').toString('base64')}`);
    } finally {
      hook.close();
    }
  }, 60_000);
});
