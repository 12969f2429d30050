/**
 * An enrichment provider behind any HTTP JSON API: a URL template, an auth header and a field
 * mapping (dot paths into the response). The mapped answer is validated like the offline data;
 * 404 is "not found", 429/5xx/network are retryable, other answers are typed errors.
 */
import { z } from 'zod';
import { InrecordError } from '../../errors/index.js';
import { type CompanyQuery, type EnrichmentProvider, type LookupResult, type PersonQuery, firmographicsSchema, normaliseDomain } from './types.js';

const mappingSchema = z
  .object({
    name: z.string().optional(),
    employeeCount: z.string().optional(),
    revenueRange: z.string().optional(),
    industry: z.string().optional(),
    techStack: z.string().optional(),
    fundingEvents: z.string().optional(),
    asOf: z.string().optional(),
  })
  .strict();

export const httpProviderSettingsSchema = z
  .object({
    /** Company lookup URL; `{domain}` is replaced (URL-encoded). */
    url: z.string().url(),
    /** Person lookup URL; `{email}` is replaced. Default: the company lookup on the email's domain. */
    personUrl: z.string().url().optional(),
    /** e.g. { Authorization: 'Bearer ${ENRICH_TOKEN}' } (env substitution happens in config). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Firmographics field → dot path in the response ('company.metrics.employees'). */
    mapping: mappingSchema.default({}),
    timeoutMs: z.number().int().positive().default(10_000),
    name: z.string().default('http'),
  })
  .strict();
export type HttpProviderSettings = z.input<typeof httpProviderSettingsSchema>;

/** Reads 'a.b.0.c' from a JSON value; undefined when any step is missing. */
export function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const step of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

export class HttpProvider implements EnrichmentProvider {
  readonly version: string;
  private readonly s: z.infer<typeof httpProviderSettingsSchema>;

  constructor(settings: HttpProviderSettings) {
    this.s = httpProviderSettingsSchema.parse(settings);
    this.version = `http:${this.s.name}`;
  }

  async lookupCompany(q: CompanyQuery): Promise<LookupResult> {
    const domain = normaliseDomain(q.domain);
    if (!domain) return { ok: true, found: false, why: 'no usable domain on the record' };
    return this.fetchOne(this.s.url.replaceAll('{domain}', encodeURIComponent(domain)), domain);
  }

  async lookupPerson(q: PersonQuery): Promise<LookupResult> {
    const domain = normaliseDomain(q.email);
    if (!domain) return { ok: true, found: false, why: 'no usable email on the record' };
    if (this.s.personUrl && q.email) return this.fetchOne(this.s.personUrl.replaceAll('{email}', encodeURIComponent(q.email.trim())), domain);
    return this.lookupCompany({ domain });
  }

  private async fetchOne(url: string, domain: string): Promise<LookupResult> {
    const ctx = { provider: this.s.name, domain, url: url.replace(/\?.*$/, '') };
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json', ...this.s.headers }, signal: AbortSignal.timeout(this.s.timeoutMs) });
    } catch (err) {
      return { ok: false, error: new InrecordError('IR_ENRICHMENT_UNAVAILABLE', `enrichment provider ${this.s.name} did not answer for ${domain} (${err instanceof Error ? err.message : String(err)})`, { context: ctx, cause: err }) };
    }
    if (res.status === 404) return { ok: true, found: false, why: `${this.s.name} does not know ${domain}` };
    if (!res.ok) {
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      const body = (await res.text().catch(() => '')).slice(0, 200);
      return {
        ok: false,
        error: new InrecordError('IR_ENRICHMENT_UNAVAILABLE', `enrichment provider ${this.s.name} answered HTTP ${res.status} for ${domain}: ${body}`, {
          context: { ...ctx, status: res.status },
          retryable,
          ...(retryable ? {} : { fix: res.status === 401 || res.status === 403 ? 'Check the auth header configured for the enrichment provider.' : 'Check the provider URL and the request it expects.' }),
        }),
      };
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return { ok: false, error: new InrecordError('IR_ENRICHMENT_UNAVAILABLE', `enrichment provider ${this.s.name} answered non-JSON for ${domain}`, { context: ctx, retryable: false }) };
    }
    const m = this.s.mapping;
    const get = (key: keyof typeof m) => {
      const path = m[key];
      return path === undefined ? readPath(json, key) : readPath(json, path);
    };
    const raw = {
      domain,
      name: get('name') ?? null,
      employeeCount: get('employeeCount') ?? null,
      revenueRange: get('revenueRange') ?? null,
      industry: get('industry') ?? null,
      techStack: get('techStack') ?? [],
      fundingEvents: get('fundingEvents') ?? [],
      asOf: get('asOf') ?? new Date().toISOString(),
    };
    const parsed = firmographicsSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        error: new InrecordError('IR_FLOW_OUTPUT_INVALID', `enrichment provider ${this.s.name} answered ${issue?.path.join('.')} = ${JSON.stringify(readPath(raw, issue?.path.join('.') ?? ''))} for ${domain}: ${issue?.message}; fix the mapping`, {
          context: { ...ctx, field: issue?.path.join('.') },
        }),
      };
    }
    return { ok: true, found: true, data: parsed.data };
  }
}
