/** The HTTP JSON enrichment provider against a local Fastify server on 127.0.0.1. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProvider, readPath } from './http.js';

describe('HTTP enrichment provider', () => {
  let app: FastifyInstance;
  let base = '';
  const seen: { url: string; auth?: string }[] = [];
  beforeAll(async () => {
    app = Fastify();
    app.get('/v2/companies/find', async (req, reply) => {
      const domain = (req.query as { domain: string }).domain;
      seen.push({ url: req.url, auth: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer k-123') return reply.code(401).send({ error: 'bad key' });
      if (domain === 'busy.io') return reply.code(429).send({ error: 'slow down' });
      if (domain === 'broken.io') return reply.code(500).send('oops');
      if (domain === 'wrongtype.io') return { company: { metrics: { employees: 'about fifty' } } };
      if (domain !== 'acme.io') return reply.code(404).send({ error: 'unknown' });
      return {
        company: {
          legalName: 'Acme Inc',
          metrics: { employees: 120, revenueBand: '10M-50M' },
          category: { industry: 'Software' },
          tech: ['Snowflake', 'Okta'],
          funding: [{ date: '2025-03-01', round: 'Series B', amountUsd: 30000000 }],
          updatedAt: '2026-11-20T00:00:00Z',
        },
      };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  const provider = (key = 'k-123') =>
    new HttpProvider({
      name: 'acme-data',
      url: `${base}/v2/companies/find?domain={domain}`,
      headers: { Authorization: `Bearer ${key}` },
      mapping: {
        name: 'company.legalName',
        employeeCount: 'company.metrics.employees',
        revenueRange: 'company.metrics.revenueBand',
        industry: 'company.category.industry',
        techStack: 'company.tech',
        fundingEvents: 'company.funding',
        asOf: 'company.updatedAt',
      },
      timeoutMs: 2000,
    });

  it('maps the answer through the field mapping and sends the auth header', async () => {
    const r = await provider().lookupCompany({ domain: 'https://www.acme.io/' });
    expect(r).toEqual({
      ok: true,
      found: true,
      data: {
        domain: 'acme.io',
        name: 'Acme Inc',
        employeeCount: 120,
        revenueRange: '10M-50M',
        industry: 'Software',
        techStack: ['Snowflake', 'Okta'],
        fundingEvents: [{ date: '2025-03-01', round: 'Series B', amountUsd: 30000000 }],
        asOf: '2026-11-20T00:00:00Z',
      },
    });
    expect(seen.at(-1)).toEqual({ url: '/v2/companies/find?domain=acme.io', auth: 'Bearer k-123' });
    expect(await provider().lookupPerson({ email: 'jo@acme.io' })).toMatchObject({ ok: true, found: true });
  });

  it('404 is not found; 429 and 5xx are retryable; a bad key is not; a wrong type names the mapping', async () => {
    expect(await provider().lookupCompany({ domain: 'nobody.io' })).toMatchObject({ ok: true, found: false });
    const busy = await provider().lookupCompany({ domain: 'busy.io' });
    expect(busy).toMatchObject({ ok: false, error: { code: 'IR_ENRICHMENT_UNAVAILABLE', retryable: true } });
    expect(await provider().lookupCompany({ domain: 'broken.io' })).toMatchObject({ ok: false, error: { retryable: true } });
    const auth = await provider('wrong').lookupCompany({ domain: 'acme.io' });
    expect(auth).toMatchObject({ ok: false, error: { code: 'IR_ENRICHMENT_UNAVAILABLE', retryable: false, fix: expect.stringContaining('auth header') } });
    const wrong = await provider().lookupCompany({ domain: 'wrongtype.io' });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe('IR_FLOW_OUTPUT_INVALID');
      expect(wrong.error.message).toContain('employeeCount');
      expect(wrong.error.message).toContain('"about fifty"');
    }
  });

  it('an unreachable provider is retryable', async () => {
    const p = new HttpProvider({ url: 'http://127.0.0.1:9/x?d={domain}', timeoutMs: 500 });
    expect(await p.lookupCompany({ domain: 'acme.io' })).toMatchObject({ ok: false, error: { code: 'IR_ENRICHMENT_UNAVAILABLE', retryable: true } });
  });

  it('readPath', () => {
    expect(readPath({ a: { b: [{ c: 1 }] } }, 'a.b.0.c')).toBe(1);
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
