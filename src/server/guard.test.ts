import { describe, expect, it } from 'vitest';
import {
  FORM_OR_JSON,
  type GateSettings,
  type RequestFacts,
  allowedHosts,
  checkServerSettings,
  contentTypeReason,
  crossSiteReason,
  decideRequest,
  hostName,
  sessionValue,
  unsafePath,
} from './guard.js';

describe('unsafePath', () => {
  it.each([
    ['/runs', false],
    ['/runs/run_1?done=abc', false],
    ['/webhooks/hubspot', false],
    ['/runs/a%20b', false],
    ['/runs/..?x', true],
    ['/webhooks/../runs', true],
    ['/webhooks/%2e%2e/review', true],
    ['/webhooks/%2E%2e/review', true],
    ['/webhooks/.%2E/review', true],
    ['/webhooks/x/../../', true],
    ['/webhooks/./x', true],
    ['/webhooks/x%2f..%2freview', true],
    ['/webhooks/x%5creview', true],
    ['/webhooks\\..\\runs', true],
    ['/runs/%E0%A4%A', true],
    ['runs', true],
  ])('%s → %s', (url, unsafe) => expect(unsafePath(url)).toBe(unsafe));
});

describe('hosts', () => {
  it('answers for loopback names on loopback, for the public host beyond it', () => {
    expect([...allowedHosts({ host: '127.0.0.1' })].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect([...allowedHosts({ host: '0.0.0.0', publicUrl: 'https://Console.Example.com/x' })]).toEqual([
      'console.example.com',
    ]);
    expect([...allowedHosts({ host: '10.0.0.5', publicUrl: 'https://c.example' })].sort()).toEqual([
      '10.0.0.5',
      'c.example',
    ]);
  });

  it.each([
    ['localhost:4600', 'localhost'],
    ['[::1]:4600', '::1'],
    ['Console.Example.com', 'console.example.com'],
    ['evil.example/x', null],
    ['user@localhost', null],
    [undefined, null],
  ])('reads the Host %s as %s', (header, name) => expect(hostName(header)).toBe(name));

  it('refuses to start beyond loopback without a token or a public address', () => {
    expect(() => checkServerSettings({ host: '127.0.0.1' })).not.toThrow();
    expect(() => checkServerSettings({ host: '0.0.0.0' })).toThrow(/token/);
    expect(() => checkServerSettings({ host: '0.0.0.0', token: 't' })).toThrow(/publicUrl/);
    expect(() => checkServerSettings({ host: '0.0.0.0', token: 't', publicUrl: 'ftp://x' })).toThrow(/http/);
    expect(() =>
      checkServerSettings({ host: '0.0.0.0', token: 't', publicUrl: 'https://x.example' }),
    ).not.toThrow();
  });
});

describe('crossSiteReason', () => {
  const host = 'localhost:4600';
  it.each([
    [{}, null],
    [{ 'sec-fetch-site': 'same-origin', origin: 'http://localhost:4600' }, null],
    [{ 'sec-fetch-site': 'none' }, null],
    [{ origin: 'http://localhost:4600' }, null],
    [{ origin: 'https://console.example.com' }, null],
    [{ 'sec-fetch-site': 'same-site' }, 'same-site'],
    [{ 'sec-fetch-site': 'cross-site' }, 'cross-site'],
    [{ origin: 'http://localhost:9999' }, 'localhost:9999'],
    [{ origin: 'null' }, 'null'],
    // the console's own form under Referrer-Policy: no-referrer
    [{ origin: 'null', 'sec-fetch-site': 'same-origin' }, null],
    [{ origin: 'http://localhost:4600', 'sec-fetch-site': 'cross-site' }, 'cross-site'],
  ])('%j → %s', (headers, reason) => {
    const got = crossSiteReason({ host, ...headers }, 'https://console.example.com');
    if (reason === null) expect(got).toBeNull();
    else expect(got).toContain(reason);
  });
});

describe('contentTypeReason', () => {
  it.each([
    [{ 'content-type': 'application/json' }, true],
    [{ 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, true],
    [{ 'content-type': 'text/plain' }, false],
    [{ 'content-type': 'multipart/form-data; boundary=x' }, false],
    [{}, true],
    [{ 'content-length': '0' }, true],
    [{ 'content-length': '12' }, false],
    [{ 'transfer-encoding': 'chunked' }, false],
  ])('%j accepted: %s', (headers, ok) => expect(contentTypeReason(headers, FORM_OR_JSON) === null).toBe(ok));
});

describe('decideRequest', () => {
  const token = 'tok';
  const remote: GateSettings = {
    token,
    hosts: new Set(['c.example']),
    publicOrigin: 'https://c.example',
    secureCookie: true,
  };
  const local: GateSettings = { hosts: new Set(['localhost', '127.0.0.1', '::1']), secureCookie: false };
  const req = (over: Partial<RequestFacts> & { headers?: Record<string, string> }): RequestFacts => ({
    method: 'GET',
    url: '/',
    route: { access: 'console' },
    ...over,
    headers: { host: 'c.example', ...over.headers },
  });
  const code = (d: ReturnType<typeof decideRequest>) => (d.kind === 'refuse' ? d.error.code : d.kind);

  it('lets webhooks in without the token, and nothing else', () => {
    expect(
      code(
        decideRequest(
          req({ method: 'POST', url: '/webhooks/hubspot', route: { access: 'webhook' } }),
          remote,
        ),
      ),
    ).toBe('allow');
    expect(code(decideRequest(req({}), remote))).toBe('IR_SERVER_UNAUTHORISED');
    expect(code(decideRequest(req({ route: undefined, url: '/nope' }), remote))).toBe(
      'IR_SERVER_UNAUTHORISED',
    );
    // a route that declares no rule is refused, whoever asks
    expect(
      code(decideRequest(req({ route: {} as never, headers: { authorization: 'Bearer tok' } }), remote)),
    ).toBe('IR_SERVER_UNAUTHORISED');
  });

  it('decides on the path before the route: a dot segment is refused even on a webhook route', () => {
    expect(code(decideRequest(req({ url: '/webhooks/../runs', route: { access: 'webhook' } }), remote))).toBe(
      'IR_SERVER_BAD_PATH',
    );
  });

  it('refuses a Host it does not answer for, webhooks included', () => {
    expect(
      code(decideRequest(req({ route: { access: 'webhook' }, headers: { host: 'evil.example' } }), remote)),
    ).toBe('IR_SERVER_HOST_REFUSED');
    expect(code(decideRequest(req({ headers: { host: 'evil.example' } }), local))).toBe(
      'IR_SERVER_HOST_REFUSED',
    );
    expect(code(decideRequest(req({ headers: { host: 'localhost:4600' } }), local))).toBe('allow');
  });

  it('takes the token as a bearer or a session cookie, and trades ?token= for the cookie', () => {
    expect(decideRequest(req({ headers: { authorization: 'Bearer tok' } }), remote)).toEqual({
      kind: 'allow',
      actor: 'console-token',
    });
    expect(
      decideRequest(req({ headers: { cookie: `a=b; inrecord_session=${sessionValue(token)}` } }), remote),
    ).toEqual({ kind: 'allow', actor: 'console-token' });
    expect(code(decideRequest(req({ headers: { cookie: 'inrecord_session=tok' } }), remote))).toBe(
      'IR_SERVER_UNAUTHORISED',
    );
    expect(code(decideRequest(req({ headers: { cookie: 'inrecord_session=%E0%A4%A' } }), remote))).toBe(
      'IR_SERVER_UNAUTHORISED',
    );
    const swap = decideRequest(req({ url: '/runs?token=tok&done=x' }), remote);
    expect(swap).toMatchObject({ kind: 'redirect', location: '/runs?done=x' });
    expect(swap.kind === 'redirect' && swap.setCookie).toBe(
      `inrecord_session=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/; Secure`,
    );
    expect(code(decideRequest(req({ url: '/runs?token=nope' }), remote))).toBe('IR_SERVER_UNAUTHORISED');
    expect(code(decideRequest(req({ method: 'POST', url: '/api/dlq/1/replay?token=tok' }), remote))).toBe(
      'IR_SERVER_UNAUTHORISED',
    );
  });

  it('lets a write through only from its own origin, with a body type the route declares', () => {
    const write = (headers: Record<string, string>) =>
      code(
        decideRequest(
          req({
            method: 'POST',
            url: '/api/x',
            route: { access: 'console', accepts: FORM_OR_JSON },
            headers: { host: 'localhost:4600', ...headers },
          }),
          local,
        ),
      );
    expect(
      write({ origin: 'http://localhost:4600', 'content-type': 'application/x-www-form-urlencoded' }),
    ).toBe('allow');
    expect(
      write({ origin: 'http://127.0.0.1:5555', 'content-type': 'application/x-www-form-urlencoded' }),
    ).toBe('IR_SERVER_CROSS_SITE');
    expect(write({ 'sec-fetch-site': 'same-site', 'content-type': 'application/json' })).toBe(
      'IR_SERVER_CROSS_SITE',
    );
    expect(write({ origin: 'http://localhost:4600', 'content-type': 'text/plain' })).toBe(
      'IR_SERVER_CONTENT_TYPE',
    );
    // a write route that declares no body types takes none
    expect(
      code(
        decideRequest(
          req({
            method: 'POST',
            route: { access: 'console' },
            headers: { host: 'localhost', 'content-type': 'application/json' },
          }),
          local,
        ),
      ),
    ).toBe('IR_SERVER_CONTENT_TYPE');
  });
});
