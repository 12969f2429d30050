/**
 * Builds data/enrichment/companies.jsonl, the offline provider's shipped dataset, from a list of
 * domains (one per line): `npx tsx src/flows/enrichment/build-dataset.ts <domains.txt> [asOf]`.
 * Entries are derived deterministically from each domain (the same generator the offline provider
 * uses for reserved example domains), so the file is reproducible. The shipped file covers the
 * companies the simulators seed by default; add curated real entries by appending JSON lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dataPath } from '../data-path.js';
import { OFFLINE_DATASET_RELEASE, deriveFirmographics } from './offline.js';
import { normaliseDomain } from './types.js';

export function buildDataset(domains: string[], asOf = OFFLINE_DATASET_RELEASE): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const raw of domains) {
    const d = normaliseDomain(raw);
    if (!d || seen.has(d)) continue;
    seen.add(d);
    lines.push(JSON.stringify(deriveFirmographics(d, asOf)));
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('build-dataset.ts')) {
  const [file, asOf] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx src/flows/enrichment/build-dataset.ts <domains.txt> [asOf]\n');
    process.exit(2);
  }
  const domains = readFileSync(file, 'utf8').split('\n');
  const out = buildDataset(domains, asOf);
  writeFileSync(dataPath('enrichment', 'companies.jsonl'), out);
  process.stdout.write(`wrote ${out.trim().split('\n').length} companies\n`);
}
