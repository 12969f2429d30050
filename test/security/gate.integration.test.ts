/**
 * The console's one gate, over real sockets (paths reach the server byte for byte): dot segments
 * never reach a page, the Host must name this server, the token becomes an HttpOnly cookie, writes
 * come only from the console's own pages with a declared body type, the actor is the gate's, a pick
 * names a candidate, every answer carries the security headers, and errors and banners print only
 * what the server wrote.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/index.js';
import { type ConsoleFixture, consoleFixture, send } from './fixture.js';

const TOKEN = 's3cret-console-token';
const PUBLIC = 'console.test';
const queue = { enqueue: async () => {} };
const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;
const json = (body: string) =>
  JSON.parse(body) as { ok: boolean; error?: { code: string; message: string; fix: string } };

describe('console gate', () => {
  let fx: ConsoleFixture;
  /** beyond loopback: token and public address */
  let remote: FastifyInstance;
  /** loopback, no token: the default */
  let local: FastifyInstance;
  let r: number;
  let l: number;
  const asPublic = (extra: Record<string, string> = {}) => ({ host: PUBLIC, ...extra });
  const bearer = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    fx = await consoleFixture();
    remote = buildServer({
      store: fx.store,
      connectors: {},
      queue,
      actions: fx.actions,
      host: '0.0.0.0',
      token: TOKEN,
      publicUrl: `https://${PUBLIC}`,
    });
    local = buildServer({ store: fx.store, connectors: {}, queue, actions: fx.actions });
    await remote.listen({ host: '127.0.0.1', port: 0 });
    await local.listen({ host: '127.0.0.1', port: 0 });
    r = portOf(remote);
    l = portOf(local);
  });
  afterAll(async () => {
    await remote?.close();
    await local?.close();
    await fx?.close();
  });

  it('refuses dot segments, raw or encoded, before any route: no console page without the token', async () => {
    const paths = [
      '/webhooks/../runs',
      '/webhooks/%2e%2e/review',
      '/webhooks/x/../../',
      '/webhooks/%2E%2E/dlq',
      '/webhooks/.%2e/validation',
      '/webhooks/x%2f..%2f..%2freview',
      '/webhooks/./../monitor',
      '/runs/%E0%A4%A',
    ];
    for (const path of paths) {
      for (const port of [r, l]) {
        const res = await send(port, { path, headers: port === r ? asPublic() : {} });
        expect(res.status, `${path} on ${port === r ? 'remote' : 'local'}`).toBe(400);
        expect(json(res.body).error?.code).toBe('IR_SERVER_BAD_PATH');
        expect(res.body).not.toContain('<h1>');
      }
    }
    // the same pages by their own paths need the token; webhooks alone do not (they check signatures)
    for (const path of [
      '/',
      '/runs',
      '/review',
      '/dlq',
      '/validation',
      '/monitor',
      '/api/review',
      '/api/health',
      '/assets/console.js',
      '/nope',
    ]) {
      expect((await send(r, { path, headers: asPublic() })).status, path).toBe(401);
    }
    const hook = await send(r, {
      method: 'POST',
      path: '/webhooks/hubspot',
      headers: asPublic({ 'content-type': 'application/json' }),
      body: '[]',
    });
    expect(hook.status).toBe(404);
    expect(json(hook.body).error?.code).toBe('IR_SERVER_NOT_FOUND');
  });

  it('answers only for its own host names', async () => {
    for (const host of ['evil.example', `evil.example:${l}`, 'console.test', '10.0.0.5']) {
      const res = await send(l, { path: '/', headers: { host } });
      expect(res.status, host).toBe(421);
      expect(json(res.body).error?.code).toBe('IR_SERVER_HOST_REFUSED');
    }
    for (const host of [`127.0.0.1:${l}`, `localhost:${l}`, `[::1]:${l}`])
      expect((await send(l, { path: '/', headers: { host } })).status, host).toBe(200);
    // beyond loopback: the public address only, whatever the token
    expect((await send(r, { path: '/', headers: { host: `127.0.0.1:${r}`, ...bearer } })).status).toBe(421);
    expect((await send(r, { path: '/', headers: { host: 'rebound.evil.example', ...bearer } })).status).toBe(
      421,
    );
    expect((await send(r, { path: '/', headers: asPublic(bearer) })).status).toBe(200);
  });

  it('exchanges ?token= for an HttpOnly SameSite=Strict cookie, redirects without the token, and refuses a bad cookie with 401', async () => {
    const res = await send(r, { path: `/review?token=${TOKEN}&tab=open`, headers: asPublic() });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/review?tab=open');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0];
    expect((await send(r, { path: '/review', headers: asPublic({ cookie: session }) })).status).toBe(200);

    expect((await send(r, { path: '/review?token=wrong', headers: asPublic() })).status).toBe(401);
    for (const bad of [
      'inrecord_session=%E0%A4%A',
      'inrecord_session=',
      'inrecord_session',
      `inrecord_session=${TOKEN}`,
      'inrecord_token=%zz',
    ]) {
      const denied = await send(r, { path: '/', headers: asPublic({ cookie: bad }) });
      expect(denied.status, bad).toBe(401);
      expect(json(denied.body).error?.code).toBe('IR_SERVER_UNAUTHORISED');
    }
  });

  it('refuses cross-site and text/plain writes, and records the actor the gate let in', async () => {
    const path = `/api/review/${fx.conflictItem}/resolve`;
    const body = JSON.stringify({ action: 'keep_rep', by: 'mallory' });
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example', 'content-type': 'application/json' },
      { origin: `https://${PUBLIC}.evil.example`, 'content-type': 'application/json' },
      { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
    ];
    for (const h of attempts) {
      const res = await send(r, { method: 'POST', path, headers: asPublic({ ...bearer, ...h }), body });
      expect(res.status, JSON.stringify(h)).toBe(403);
      expect(json(res.body).error?.code).toBe('IR_SERVER_CROSS_SITE');
    }
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'multipart/form-data; boundary=x']) {
      const res = await send(r, {
        method: 'POST',
        path,
        headers: asPublic({ ...bearer, origin: `https://${PUBLIC}`, 'content-type': type }),
        body,
      });
      expect(res.status, type).toBe(415);
      expect(json(res.body).error?.code).toBe('IR_SERVER_CONTENT_TYPE');
    }
    expect((await fx.state()).open).toBe(2);

    // from its own origin, as JSON: done, by the token's holder whatever the body says
    const ok = await send(r, {
      method: 'POST',
      path,
      headers: asPublic({
        ...bearer,
        origin: `https://${PUBLIC}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      }),
      body,
    });
    expect(ok.status, ok.body).toBe(200);
    const [item] = await fx.store.query<{ status: string; resolved_by: string }>(
      'SELECT status, resolved_by FROM review_items WHERE id = $1',
      [fx.conflictItem],
    );
    expect(item).toEqual({ status: 'resolved', resolved_by: 'console-token' });

    // a label from the loopback console's own form: the local console user, not the body's name
    const [sample] = fx.samples;
    const form = await send(l, {
      method: 'POST',
      path: `/api/validation/samples/${sample}/label`,
      headers: {
        origin: `http://127.0.0.1:${l}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'label=correct&by=mallory',
    });
    expect(form.status).toBe(303);
    const [labelled] = await fx.store.query<{ labelled_by: string }>(
      'SELECT labelled_by FROM gate_samples WHERE id = $1',
      [Number(sample)],
    );
    expect(labelled.labelled_by).toBe('console');
  });

  it("picks only one of the item's candidates", async () => {
    const path = `/api/review/${fx.identityItem}/resolve`;
    const headers = { 'content-type': 'application/json' };
    for (const candidateId of ['999', '10', '101 ', '']) {
      const res = await send(l, {
        method: 'POST',
        path,
        headers,
        body: JSON.stringify({ action: 'pick', candidateId }),
      });
      expect(res.status, candidateId).toBe(400);
      expect(json(res.body).error?.code).toBe('IR_USAGE');
    }
    expect((await fx.state()).links).toBe(0);
    const ok = await send(l, {
      method: 'POST',
      path,
      headers,
      body: JSON.stringify({ action: 'pick', candidateId: '102' }),
    });
    expect(ok.status, ok.body).toBe(200);
    const links = await fx.store.query<{ crm_id: string; decided_by: string }>(
      'SELECT crm_id, decided_by FROM identity_links',
    );
    expect(links).toEqual([{ crm_id: '102', decided_by: 'console' }]);
  });

  it('sets the security headers on every page and API answer, and pages carry no inline script', async () => {
    const pages = ['/', '/review', '/dlq', '/runs', '/runs/run_1', '/validation', '/monitor', '/nope'];
    const answers: { method?: string; path: string; headers?: Record<string, string>; body?: string }[] = [
      ...pages.map((path) => ({ path })),
      { path: '/api/review' },
      { path: '/api/health' },
      { path: '/assets/console.js' },
      { path: '/webhooks/../runs' },
      { path: '/', headers: { host: 'evil.example' } },
      {
        method: 'POST',
        path: '/webhooks/hubspot',
        headers: { 'content-type': 'application/json' },
        body: '[]',
      },
      { method: 'POST', path: '/api/dlq/1/replay', headers: { 'content-type': 'text/plain' }, body: '{}' },
      { method: 'POST', path: '/api/nowhere', headers: { 'content-type': 'application/json' }, body: '{}' },
    ];
    for (const a of answers) {
      const res = await send(l, a);
      const csp = String(res.headers['content-security-policy'] ?? '');
      expect(csp, `${a.path}: CSP`).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options'], a.path).toBe('nosniff');
      expect(res.headers['referrer-policy'], a.path).toBe('no-referrer');
    }
    for (const path of pages) {
      const { body } = await send(l, { path });
      expect(body, path).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(body, path).not.toMatch(/\son[a-z]+\s*=/i);
      expect(body, path).not.toMatch(/<style/i);
    }
  });

  it('answers errors with the catalogue code and fix, never a stack or a file path', async () => {
    const failing = buildServer({
      store: fx.store,
      connectors: {},
      queue,
      actions: {
        replayDeadLetter: async () => {
          throw new Error("ENOENT: no such file or directory, open '/home/ops/inrecord/src/jobs/engine.ts'");
        },
      },
    });
    await failing.listen({ host: '127.0.0.1', port: 0 });
    try {
      const f = portOf(failing);
      const res = await send(f, {
        method: 'POST',
        path: '/api/dlq/1/replay',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(500);
      const e = json(res.body).error!;
      expect(e.code).toBe('IR_INTERNAL');
      expect(e.fix.length).toBeGreaterThan(10);
      const bad = await send(f, {
        method: 'POST',
        path: '/api/review/1/resolve',
        headers: { 'content-type': 'application/json' },
        body: '{"action":',
      });
      expect(bad.status).toBe(400);
      expect(json(bad.body).error).toMatchObject({ code: 'IR_USAGE' });
      const big = await send(f, {
        method: 'POST',
        path: '/webhooks/hubspot',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(2 * 1024 * 1024),
      });
      expect(big.status).toBe(413);
      expect(json(big.body).error).toMatchObject({ code: 'IR_SERVER_BODY_TOO_LARGE' });
      for (const body of [res.body, bad.body, big.body]) {
        expect(body).not.toMatch(/\/home\/|\.ts\b|node_modules|\n\s+at /);
      }
    } finally {
      await failing.close();
    }
  });

  it('prints only the banners it wrote itself', async () => {
    const planted = 'Your session expired: sign in again at evil.example';
    for (const q of ['done', 'error']) {
      const { body } = await send(l, { path: `/review?${q}=${encodeURIComponent(planted)}` });
      expect(body).not.toContain('evil.example');
      expect(body).not.toContain('class="flash');
    }
    const res = await send(l, {
      method: 'POST',
      path: '/api/review/99999/resolve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=dismiss',
    });
    expect(res.status).toBe(303);
    const back = await send(l, { path: String(res.headers.location) });
    expect(back.body).toMatch(
      /class="flash error"[^>]*>review item 99999 does not exist \(IR_REVIEW_NOT_FOUND\)</,
    );
  });
});
