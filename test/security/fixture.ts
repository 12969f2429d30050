/**
 * A console with something to attack: an identity item with two candidates, a conflict item, two
 * unlabelled validation samples of a gated flow, and a run — on a real store, behind the real
 * console actions. `state()` reads what an attack could have changed.
 */
import { request } from 'node:http';
import { parseConfig } from '../../src/config/index.js';
import { drawSample, recordShadowOutputs } from '../../src/gate/index.js';
import { consoleActions } from '../../src/server/index.js';
import { type TestStore, openTestStore } from '../../src/store/testing/index.js';

export interface ConsoleFixture {
  store: TestStore;
  actions: ReturnType<typeof consoleActions>;
  identityItem: number;
  conflictItem: number;
  samples: string[];
  state(): Promise<{
    open: number;
    resolvedBy: string[];
    labelled: number;
    gateLabelled: number;
    links: number;
  }>;
  close(): Promise<void>;
}

export async function consoleFixture(): Promise<ConsoleFixture> {
  const store = await openTestStore('pglite');
  const config = parseConfig(`
crm: { kind: hubspot, auth: { token: t } }
flows:
  - { name: steady, kind: scoring, object: contact, outputs: { score: ai_score }, gate: { threshold: 0.8, sampleSize: 30 } }
`);
  const [identity] = await store.query<{ id: number }>(
    `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
     VALUES ('identity', 'hubspot', 'contact', 'email:jo@acme.test', 'ambiguous: 2 contacts', $1::jsonb) RETURNING id`,
    [
      JSON.stringify({
        candidates: [
          { id: '101', first_name: 'Jo', last_name: 'Smith' },
          { id: '102', first_name: 'Jo', last_name: 'Smith' },
        ],
      }),
    ],
  );
  const [conflict] = await store.query<{ id: number }>(
    `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
     VALUES ('conflict', 'hubspot', 'contact', '101:jobtitle', 'human-edit-since-read', '{"recordId":"101","field":"jobtitle","repValue":"CTO","aiValue":"VP"}'::jsonb) RETURNING id`,
  );
  await store.query(
    "INSERT INTO runs (id, kind, crm, status) VALUES ('run_1', 'apply', 'hubspot', 'succeeded')",
  );
  await store.query(
    `INSERT INTO write_ledger (run_id, crm, object, record_id, field, before_value, after_value, outcome, reason)
     VALUES ('run_1', 'hubspot', 'contact', '101', 'ai_score', '10', '80', 'written', 'ai-owned field')`,
  );
  await recordShadowOutputs(store, {
    flow: 'steady',
    modelVersion: 'v1',
    outputs: [40, 60, 80].map((v, i) => ({
      crm: 'hubspot',
      object: 'contact',
      recordId: `c${i}`,
      output: 'score',
      field: 'ai_score',
      value: v,
    })),
  });
  const drawn = await drawSample(store, {
    flow: 'steady',
    modelVersion: 'v1',
    size: 2,
    drawnBy: 'fixture',
    seed: 'security',
  });
  const actions = consoleActions({ store, config, connectors: {} });
  return {
    store,
    actions,
    identityItem: Number(identity.id),
    conflictItem: Number(conflict.id),
    samples: drawn.map((d) => String(d.id)),
    async state() {
      const items = await store.query<{ status: string; resolved_by: string | null }>(
        'SELECT status, resolved_by FROM review_items ORDER BY id',
      );
      const [{ n }] = await store.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM gate_samples WHERE label IS NOT NULL',
      );
      const [{ links }] = await store.query<{ links: number }>(
        'SELECT count(*)::int AS links FROM identity_links',
      );
      const gate = (await actions.gates?.())?.find((g) => g.flow === 'steady');
      return {
        open: items.filter((i) => i.status === 'open').length,
        resolvedBy: items.map((i) => i.resolved_by).filter((b): b is string => b !== null),
        labelled: n,
        gateLabelled: gate?.labelled ?? -1,
        links,
      };
    },
    close: () => store.destroy(),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with the path and headers exactly as given (no URL normalisation on the way). */
export function send(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        setHost: false,
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
