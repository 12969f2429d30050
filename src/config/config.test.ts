import { describe, expect, it } from 'vitest';
import { InrecordError } from '../errors/index.js';
import { durationMs, exampleConfig, parseConfig, redactConfig, substituteEnv } from './index.js';

describe('config', () => {
  it('substitutes ${ENV} and ${ENV:-default}', () => {
    expect(substituteEnv({ a: 'x-${A}', b: ['${B:-dflt}'] }, { A: '1' })).toEqual({ a: 'x-1', b: ['dflt'] });
  });

  it('names the key path of a missing variable', () => {
    try {
      substituteEnv({ crm: { auth: { token: '${NOPE}' } } }, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InrecordError);
      expect((err as InrecordError).code).toBe('IR_CONFIG_ENV_MISSING');
      expect((err as Error).message).toContain('crm.auth.token');
      expect((err as Error).message).toContain('NOPE');
    }
  });

  it.each(['hubspot', 'salesforce', 'pipedrive'] as const)('parses the %s example written by init', (kind) => {
    const cfg = parseConfig(exampleConfig(kind), {
      HUBSPOT_TOKEN: 't',
      SALESFORCE_INSTANCE_URL: 'https://x.my.salesforce.com',
      SALESFORCE_ACCESS_TOKEN: 't',
      PIPEDRIVE_API_TOKEN: 't',
    });
    expect(cfg.crm.kind).toBe(kind);
    expect(cfg.flows.map((f) => f.name)).toEqual(kind === 'salesforce' ? ['lead-scoring', 'inbound-intent'] : ['lead-scoring']);
    expect(cfg.flows[0]?.outputs).toEqual({ score: expect.any(String), score_reason: expect.any(String) });
    expect(cfg.store.databaseUrl).toBeUndefined();
  });

  it('reads identity.attributes: a field per identifying attribute, and no other key', () => {
    const crm = 'crm: { kind: salesforce, auth: { token: t } }\n';
    const cfg = parseConfig(`${crm}identity: { attributes: { external_id: ERP_Id__c, birth_date: Date of birth } }\n`, {});
    expect(cfg.identity.attributes).toEqual({ external_id: 'ERP_Id__c', birth_date: 'Date of birth' });
    expect(parseConfig(crm, {}).identity.attributes).toEqual({});
    expect(() => parseConfig(`${crm}identity: { attributes: { shoe_size: Shoe__c } }\n`, {})).toThrow(/identity\.attributes/);
  });

  it('reports every problem with its key path and what is expected', () => {
    const text = 'crm: { kind: zoho, auth: { token: t } }\nflows: [{ name: Bad Name, kind: scoring, object: contact }]\n';
    try {
      parseConfig(text, {});
      expect.unreachable();
    } catch (err) {
      const msg = (err as Error).message;
      expect((err as InrecordError).code).toBe('IR_CONFIG_INVALID');
      expect(msg).toContain('crm.kind');
      expect(msg).toContain('flows.0.name');
    }
  });

  it('redacts secrets for logs and --json', () => {
    const cfg = parseConfig('crm: { kind: hubspot, auth: { token: s3cret } }', {});
    expect(JSON.stringify(redactConfig(cfg))).not.toContain('s3cret');
  });
});

describe('durations', () => {
  it.each([
    { d: '7d', ms: 604_800_000 },
    { d: '6h', ms: 21_600_000 },
    { d: '15m', ms: 900_000 },
    { d: '30s', ms: 30_000 },
    { d: '500ms', ms: 500 },
  ])('$d = $ms ms', ({ d, ms }) => expect(durationMs(d)).toBe(ms));

  it('refuses what is not a duration, saying what one looks like', () => {
    expect(() => durationMs('15 minutes')).toThrow(/30s, 15m/);
  });
});
