/**
 * Attacks on the loopback console from a real browser (Debian's chromium driven by playwright-core):
 * a page on another local port posts forms (form-encoded and text/plain JSON) and a no-cors fetch
 * at the console's write routes; a DNS-rebound name reaches the console's port as "same origin".
 * Nothing is labelled, resolved or linked, and the gate's figures do not move. The console's own
 * form still works from the same browser.
 */
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/index.js';
import { type ConsoleFixture, consoleFixture } from './fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REBOUND = 'rebind.inrecord.test';

describe.skipIf(!existsSync(CHROMIUM))('console attacked from a browser', () => {
  let fx: ConsoleFixture;
  let app: FastifyInstance;
  let attacker: Server;
  let browser: Browser;
  let context: BrowserContext;
  let port = 0;
  let base = '';
  let evil = '';

  const attackPage = () => {
    const [s1, s2] = fx.samples;
    const form = (
      name: string,
      action: string,
      fields: [string, string][],
      enctype = 'application/x-www-form-urlencoded',
    ) =>
      `<form id="${name}" method="post" enctype="${enctype}" action="${base}${action}" target="${name}-sink">${fields
        .map(([k, v]) => `<input type="hidden" name='${k}' value='${v}'>`)
        .join('')}</form><iframe name="${name}-sink"></iframe>`;
    return `<!doctype html><html><body><h1>cheap flights</h1>
${form('pick', `/api/review/${fx.identityItem}/resolve`, [
  ['action', 'pick'],
  ['candidateId', '101'],
  ['by', 'mallory'],
])}
${form('keep', `/api/review/${fx.conflictItem}/resolve`, [['action', 'keep_rep']])}
${form('label', `/api/validation/samples/${s1}/label`, [['label', 'correct']])}
${form('plain', `/api/validation/samples/${s2}/label`, [['{"label":"correct","pad":"', '"}']], 'text/plain')}
<script>
for (const f of document.forms) f.submit();
fetch(${JSON.stringify(`${base}/api/validation/samples/${s2}/label`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ label: 'correct' }) })
  .finally(() => { document.title = 'fetched'; });
</script></body></html>`;
  };

  beforeAll(async () => {
    fx = await consoleFixture();
    app = buildServer({
      store: fx.store,
      connectors: {},
      queue: { enqueue: async () => {} },
      actions: fx.actions,
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    // the attacker's site: another port on the same machine (same site, not same origin)
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attackPage());
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    evil = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // DNS rebinding: the attacker's name now resolves to the console's address; the browser's
        // own local-network guard is off, so what is tested is the server's Host check
        `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
        '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests',
      ],
    });
    context = await browser.newContext();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((r) => attacker?.close(r));
    await fx?.close();
  });

  it('changes nothing for form posts and text/plain bodies from another local origin', async () => {
    const before = await fx.state();
    const page = await context.newPage();
    const hits: string[] = [];
    const settled = new Set<string>();
    page.on('request', (r) => {
      if (r.url().startsWith(`${base}/api/`)) hits.push(`${r.method()} ${r.url()}`);
    });
    const settle = (r: { url(): string; method(): string }) => {
      if (r.url().startsWith(`${base}/api/`)) settled.add(`${r.method()} ${r.url()}`);
    };
    page.on('requestfinished', settle);
    page.on('requestfailed', settle);
    await page.goto(`${evil}/`);
    await page.waitForFunction(() => document.title === 'fetched');
    // every attack reached the console and was answered
    const deadline = Date.now() + 20_000;
    while ((hits.length < 5 || new Set(hits).size > settled.size) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(hits.length).toBe(5);
    expect(settled.size).toBe(new Set(hits).size);

    const after = await fx.state();
    expect(after).toEqual(before);
    expect(after).toMatchObject({ open: 2, labelled: 0, gateLabelled: 0, links: 0, resolvedBy: [] });
    await page.close();
  });

  it('answers nothing to a DNS-rebound name on its own port', async () => {
    const before = await fx.state();
    const page = await context.newPage();
    const origin = `http://${REBOUND}:${port}`;
    // the attacker's name now points at the console's address: to the browser this is one origin
    const landing = await page.goto(`${origin}/review`);
    expect(landing?.status()).toBe(421);
    expect(await page.content()).not.toContain('jo@acme.test');
    // the attacker's own page under that name (served before the name moved), scripting same-origin requests
    await page.route(`${origin}/start`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>start</title>' }),
    );
    await page.goto(`${origin}/start`);
    const results = await page.evaluate(
      async ({ item, sample }) => {
        const read = await fetch('/runs');
        const write = await fetch(`/api/review/${item}/resolve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'pick', candidateId: '101' }),
        });
        const label = await fetch(`/api/validation/samples/${sample}/label`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ label: 'correct' }),
        });
        return { read: read.status, readBody: await read.text(), write: write.status, label: label.status };
      },
      { item: fx.identityItem, sample: fx.samples[0] },
    );
    expect(results).toMatchObject({ read: 421, write: 421, label: 421 });
    expect(results.readBody).not.toContain('run_1');
    expect(await fx.state()).toEqual(before);
    await page.close();
  });

  it("still takes the console's own forms from the same browser, records the local user, and asks before a rollback", async () => {
    const page = await context.newPage();
    await page.goto(`${base}/validation`);
    const [sample] = fx.samples;
    await page
      .locator(`tr[data-sample-id="${sample}"]`)
      .getByRole('button', { name: 'correct', exact: true })
      .click();
    await page.waitForURL(/\/validation\?done=/);
    expect(await page.locator('.flash').textContent()).toContain(`Sample ${sample} labelled correct`);
    const [row] = await fx.store.query<{ label: string; labelled_by: string }>(
      'SELECT label, labelled_by FROM gate_samples WHERE id = $1',
      [Number(sample)],
    );
    expect(row).toEqual({ label: 'correct', labelled_by: 'console' });
    expect((await fx.state()).gateLabelled).toBe(1);

    // the rollback form asks first (the served script, not an inline handler); declined, nothing is sent
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.goto(`${base}/runs/run_1`);
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (d) => {
        resolve(d.message());
        void d.dismiss();
      }),
    );
    await page.getByTestId('rollback').click();
    expect(await asked).toContain('Restore the before-values of every field this run wrote?');
    await page.waitForLoadState('networkidle');
    expect(posts).toEqual([]);
    await page.close();
  });
});
