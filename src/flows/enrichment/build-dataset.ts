/**
 * Builds data/enrichment/companies.jsonl, the offline provider's shipped dataset, from the seeded
 * worlds listed in data/enrichment/manifest.json (`{ "asOf": "YYYY-MM-DD", "worlds": [{ "seed": 1,
 * "contacts": 10000 }] }`): every company of each world, by its real domain, with the world's own
 * industry, head count and revenue, and a tech stack and funding history derived from the domain.
 * Worlds are prefix-stable (a smaller world with the same seed holds the first companies of a
 * larger one), so the file covers every simulator seeded with those seeds up to that size.
 * Deterministic; rebuild after editing the manifest:
 *   npx tsx src/flows/enrichment/build-dataset.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateWorld } from '../../simulators/seed/index.js';
import { dataPath } from '../data-path.js';
import { deriveFirmographics, revenueRangeOf } from './offline.js';
import { type Firmographics, firmographicsSchema, normaliseDomain } from './types.js';

export interface DatasetManifest {
  asOf: string;
  worlds: { seed: number; contacts: number }[];
}

const label = (s: string) => s.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

export function buildDataset(manifest: DatasetManifest): Firmographics[] {
  const byDomain = new Map<string, Firmographics>();
  for (const w of manifest.worlds) {
    const world = generateWorld({ seed: w.seed, contacts: w.contacts });
    for (const c of world.companies) {
      const domain = normaliseDomain(c.trueDomain);
      // Subsidiaries share the parent's domain: the first company seen (the parent) describes it.
      if (!domain || byDomain.has(domain)) continue;
      const derived = deriveFirmographics(domain, manifest.asOf);
      byDomain.set(
        domain,
        firmographicsSchema.parse({
          ...derived,
          name: c.name,
          employeeCount: c.employees,
          revenueRange: revenueRangeOf(c.annualRevenue),
          industry: label(c.industry),
        }),
      );
    }
  }
  return [...byDomain.values()];
}

export function readManifest(): DatasetManifest {
  return JSON.parse(readFileSync(dataPath('enrichment', 'manifest.json'), 'utf8')) as DatasetManifest;
}

if (process.argv[1]?.endsWith('build-dataset.ts')) {
  const rows = buildDataset(readManifest());
  writeFileSync(dataPath('enrichment', 'companies.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  process.stdout.write(`wrote ${rows.length} companies\n`);
}
