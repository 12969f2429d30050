/**
 * `inrecord auth <crm>`: a revoked OAuth grant is recovered by re-authorising, after which writes
 * go through again; the grant is stored sealed (the raw table holds no token text).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as authCommand from '../../src/cli/commands/auth.js';
import { crmConnectionSchema, loadConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/index.js';
import type { RunningHubspotSimulator } from '../../src/simulators/hubspot/index.js';
import { startSimulator } from '../../src/simulators/index.js';
import { renderPage } from '../../src/server/pages.js';
import type { ServerDeps } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';

/** The command module in this process, as the other CLI tests run theirs. */
async function inProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('inrecord')
    .option('-c, --config <path>')
    .option('--data-dir <dir>')
    .option('--json')
    .exitOverride();
  authCommand.register(program);
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) =>
    out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) =>
    err.push(String(chunk)) > 0) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'inrecord', ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('inrecord auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-auth-'));
  const configPath = join(dir, 'inrecord.yaml');
  const dataDir = join(dir, 'data');
  let sim: RunningHubspotSimulator;
  const savedKey = process.env.INRECORD_SECRET_KEY;

  beforeAll(async () => {
    delete process.env.INRECORD_SECRET_KEY;
    sim = (await startSimulator('hubspot', {
      records: 5,
      seed: 4,
      refreshToken: 'rt-config-7f3a9c',
      clientSecret: 'app-secret',
    })) as RunningHubspotSimulator;
    writeFileSync(
      configPath,
      [
        'crm:',
        '  kind: hubspot',
        `  baseUrl: ${sim.apiBase}`,
        '  auth:',
        '    oauth:',
        '      clientId: sim-client-id',
        '      clientSecret: app-secret',
        '      refreshToken: rt-config-7f3a9c',
        '      redirectUri: http://127.0.0.1:8787/oauth/callback',
        // every call refreshes first, so a revoked grant shows on the next call
        '      refreshBefore: 2h',
        'store:',
        `  dataDir: ${dataDir}`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    if (savedKey !== undefined) process.env.INRECORD_SECRET_KEY = savedKey;
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The console's overview page, as the daemon renders it. */
  async function overviewPage(): Promise<string> {
    const store = await openStore({ dataDir, configDir: dir });
    try {
      return (await renderPage({ store } as unknown as ServerDeps, '/')) ?? '';
    } finally {
      await store.close();
    }
  }

  /** A worker's view: the store and a connector, as the daemon opens them; closed before the CLI opens the store. */
  async function withConnector<T>(
    fn: (c: Awaited<ReturnType<typeof createConnector>>, raw: () => Promise<string>) => Promise<T>,
  ): Promise<T> {
    const store = await openStore({ dataDir, configDir: dir });
    const connector = await createConnector(loadConfig(configPath).crm, { store });
    try {
      return await fn(connector, async () => JSON.stringify(await store.query('SELECT * FROM oauth_tokens')));
    } finally {
      await connector.close();
      await store.close();
    }
  }

  async function codeGrant(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: sim.oauth.issueCode(),
      client_id: 'sim-client-id',
      client_secret: 'app-secret',
      redirect_uri: 'http://127.0.0.1:8787/oauth/callback',
    });
    const res = await fetch(`${sim.apiBase}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return ((await res.json()) as { refresh_token: string }).refresh_token;
  }

  it('recovers a revoked grant with --refresh-token; writes succeed again and no token is readable in the store', async () => {
    const { field, id } = await withConnector(async (c) => {
      const f = await c.createField('contact', { name: 'auth_probe', label: 'Auth probe', type: 'number' });
      const ids: string[] = [];
      for await (const page of c.readChanged('contact', null, [])) ids.push(...page.map((r) => r.id));
      const [ok] = await c.writeBatch('contact', [{ id: ids[0] as string, fields: { [f.name]: 1 } }]);
      expect(ok?.ok).toBe(true);
      return { field: f.name, id: ids[0] as string };
    });

    sim.oauth.revoke('rt-config-7f3a9c');
    const write = (c: Awaited<ReturnType<typeof createConnector>>, v: number) =>
      c.writeBatch('contact', [{ id, fields: { [field]: v } }]).then(
        (r) => (r[0]?.ok ? 'ok' : (r[0] as { code: string }).code),
        (e: { code?: string }) => e.code,
      );
    expect(await withConnector((c) => write(c, 2))).toBe('IR_CRM_GRANT_REVOKED');
    // the same config, a new process: still revoked
    expect(await withConnector((c) => write(c, 3))).toBe('IR_CRM_GRANT_REVOKED');
    // the console says so, with the fix
    const paused = await overviewPage();
    expect(paused).toContain('data-testid="revoked-hubspot:sim-client-id"');
    expect(paused).toContain('inrecord auth hubspot');

    const fresh = await codeGrant();
    const r = await inProcess('--config', configPath, 'auth', 'hubspot', '--refresh-token', fresh);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hubspot re-authorised');
    expect(await overviewPage()).not.toContain('OAuth grant revoked');

    // the config still names the revoked token: it was applied once and is not applied again
    const { result, value, raw } = await withConnector(async (c, rawTable) => {
      const res = await write(c, 4);
      const [back] = await c.read('contact', [id], [field]);
      return { result: res, value: back?.fields[field], raw: await rawTable() };
    });
    expect(result).toBe('ok');
    expect(value).toBe(4);
    for (const token of ['rt-config-7f3a9c', fresh]) {
      for (let i = 0; i + 8 <= token.length; i += 4) expect(raw).not.toContain(token.slice(i, i + 8));
    }
    expect(raw).toContain('"status":"active"');
    // the key file was created on first use, readable by its owner only
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  }, 120_000);

  it('prints the authorise URL, then exchanges the code it redirects with', async () => {
    const url = await inProcess('--config', configPath, '--json', 'auth', 'hubspot');
    expect(url.code).toBe(0);
    const printed = new URL(JSON.parse(url.stdout).authorizeUrl);
    expect(printed.searchParams.get('client_id')).toBe('sim-client-id');
    expect(printed.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8787/oauth/callback');
    expect(printed.searchParams.get('scope')).toContain('crm.objects.contacts.write');

    const done = await inProcess(
      '--config',
      configPath,
      '--json',
      'auth',
      'hubspot',
      '--code',
      sim.oauth.issueCode(),
    );
    expect(done.stderr).toBe('');
    expect(JSON.parse(done.stdout)).toMatchObject({ crm: 'hubspot', reauthorised: true });

    const used = await inProcess('--config', configPath, 'auth', 'hubspot', '--code', 'code-not-issued');
    expect(used.code).toBe(1);
    expect(used.stderr).toContain('IR_CRM_AUTH');
  }, 60_000);
});

describe('the authorise URL of each CRM', () => {
  const oauth = { clientId: 'app-1', clientSecret: 's', refreshToken: 'rt' };
  const cases = [
    {
      kind: 'hubspot',
      conn: { auth: { oauth } },
      page: 'https://app.hubspot.com/oauth/authorize',
      params: { client_id: 'app-1', redirect_uri: 'https://example.com/cb' },
    },
    {
      kind: 'salesforce',
      conn: {
        baseUrl: 'https://acme.my.salesforce.com',
        auth: { oauth: { ...oauth, tokenUrl: 'https://acme.my.salesforce.com/services/oauth2/token' } },
      },
      page: 'https://acme.my.salesforce.com/services/oauth2/authorize',
      params: { response_type: 'code', client_id: 'app-1' },
    },
    {
      kind: 'pipedrive',
      conn: { auth: { oauth } },
      page: 'https://oauth.pipedrive.com/oauth/authorize',
      params: { client_id: 'app-1' },
    },
  ] as const;
  for (const c of cases) {
    it(`${c.kind}: the CRM's page with the app's client id and the redirect URL`, async () => {
      const connector = await createConnector(crmConnectionSchema.parse({ kind: c.kind, ...c.conn }));
      const url = new URL(connector.authorisation?.authorizeUrl('https://example.com/cb') ?? '');
      expect(`${url.origin}${url.pathname}`).toBe(c.page);
      for (const [k, v] of Object.entries(c.params)) expect(url.searchParams.get(k)).toBe(v);
      expect(url.searchParams.get('redirect_uri')).toBe('https://example.com/cb');
      await connector.close();
    });
  }
  it('is absent for a static token', async () => {
    const connector = await createConnector(
      crmConnectionSchema.parse({ kind: 'hubspot', auth: { token: 'pat-1' } }),
    );
    expect(connector.authorisation).toBeUndefined();
    await connector.close();
  });
});
