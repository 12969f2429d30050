#!/usr/bin/env node
/**
 * Extracts, from a vendor's published OpenAPI files, the response schemas of the operations a
 * simulator implements, into one compact JSON the conformance suites validate answers against.
 *
 *   node scripts/derive-spec.mjs src/simulators/<crm>/spec/sources.json <dir holding the spec files>
 *
 * `sources.json` names each spec file (its path under the given directory, the URL it is published
 * at, the version/commit it was taken from, the path prefix its server URL adds) and the operations
 * to keep ("METHOD /path/{param}" as the spec spells the path). The output, `responses.json` beside
 * it, holds per operation the documented statuses and their JSON body schema, with `$ref`s kept as
 * names into one `schemas` map (descriptions, examples and vendor extensions dropped).
 * Run it again when the vendor publishes a new version; the output is data with its source.
 *
 * Where the vendor publishes no machine-readable description of an operation, `sources.json` may
 * carry it under `documented`: per documentation page (its URL and the date it was read), the
 * operations with their documented statuses and body schemas, written from the page's response
 * table and example (`$ref` names a schema kept from a file above, or one of `documented.schemas`).
 * `statuses`, when present, is every HTTP status the vendor's status-code table lists (with its
 * URL): an answer with any other status is a violation, whatever the operation. `documented.events`
 * describes messages the vendor pushes to subscribers rather than HTTP answers: per channel pattern,
 * the message schema, with the pages it was written from.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const [sourcesPath, root] = process.argv.slice(2);
if (!sourcesPath || !root) {
  console.error('usage: node scripts/derive-spec.mjs <sources.json> <spec dir>');
  process.exit(2);
}
const sources = JSON.parse(readFileSync(sourcesPath, 'utf8'));
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const DROP = new Set(['description', 'example', 'examples', 'title', 'externalDocs', 'xml', 'deprecated']);

const out = { sources: [], operations: {}, schemas: {} };

for (const [si, src] of sources.files.entries()) {
  const text = readFileSync(join(root, src.file), 'utf8');
  const spec = src.file.endsWith('.json') ? JSON.parse(text) : parse(text);
  out.sources.push({ file: src.file, url: src.url, version: src.version, info: `${spec.info?.title} ${spec.info?.version}` });
  const ns = src.namespace ?? `s${si}`;
  const pending = [];
  /** Copies a schema without prose, turning `$ref` into a namespaced name in `schemas`. */
  const compact = (node) => {
    if (Array.isArray(node)) return node.map(compact);
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const m = /^#\/components\/(schemas|responses)\/(.+)$/.exec(node.$ref);
      if (!m) throw new Error(`unsupported $ref ${node.$ref} in ${src.file}`);
      const name = m[1] === 'responses' ? `${ns}.responses.${m[2]}` : `${ns}.${m[2]}`;
      if (!(name in out.schemas)) {
        out.schemas[name] = null;
        pending.push([name, spec.components[m[1]][m[2]], m[1]]);
      }
      return { $ref: name };
    }
    const copy = {};
    for (const [k, v] of Object.entries(node)) {
      if (DROP.has(k) || k.startsWith('x-')) continue;
      // `properties` maps names to schemas: a property may itself be called "description" or "title".
      if (k === 'properties' && v && typeof v === 'object') copy[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, compact(pv)]));
      else copy[k] = compact(v);
    }
    return copy;
  };
  const bodySchema = (response) => {
    if (!response) return null;
    if (response.$ref) return compact(response);
    const json = response.content?.['application/json'] ?? response.content?.['*/*'];
    return json?.schema ? compact(json.schema) : null;
  };
  for (const op of src.operations) {
    const [method, path] = op.split(' ');
    const item = spec.paths?.[path]?.[method.toLowerCase()];
    if (!item || !METHODS.includes(method.toLowerCase())) throw new Error(`${op} is not in ${src.file}`);
    const responses = {};
    for (const [status, r] of Object.entries(item.responses ?? {})) responses[status] = bodySchema(r);
    out.operations[`${method} ${src.prefix ?? ''}${path}`] = { source: si, responses };
  }
  while (pending.length) {
    const [name, node, kind] = pending.pop();
    // a components/responses entry is a response object: keep its JSON body schema
    out.schemas[name] = kind === 'responses' ? bodySchema(node) : compact(node);
  }
}

for (const page of sources.documented?.pages ?? []) {
  const si = out.sources.length;
  out.sources.push({ file: '', url: page.url, version: page.version, info: page.info });
  for (const [op, responses] of Object.entries(page.operations)) {
    if (op in out.operations) throw new Error(`${op} is described twice`);
    out.operations[op] = { source: si, responses };
  }
}
// events a subscriber receives (not HTTP answers): per channel pattern, the message schema and its pages
const events = sources.documented?.events;
if (events) {
  const pages = events.pages.map((page) => out.sources.push({ file: '', url: page.url, version: page.version, info: page.info }) - 1);
  out.events = Object.fromEntries(Object.entries(events.channels).map(([channel, message]) => [channel, { sources: pages, message }]));
}
for (const [name, schema] of Object.entries(sources.documented?.schemas ?? {})) out.schemas[`doc.${name}`] = schema;
if (sources.statuses) {
  out.sources.push({ file: '', url: sources.statuses.url, version: sources.statuses.version, info: 'HTTP status codes' });
  out.statuses = sources.statuses.codes;
}
// every $ref must name a kept schema
const refs = (node) => (Array.isArray(node) ? node.flatMap(refs) : node && typeof node === 'object' ? [...(typeof node.$ref === 'string' ? [node.$ref] : []), ...Object.values(node).flatMap(refs)] : []);
for (const ref of refs([out.operations, out.schemas, out.events ?? {}])) if (!(ref in out.schemas)) throw new Error(`$ref ${ref} names no schema`);

const target = join(dirname(sourcesPath), 'responses.json');
writeFileSync(target, `${JSON.stringify(out)}\n`);
console.log(`${Object.keys(out.operations).length} operations, ${Object.keys(out.schemas).length} schemas → ${target}`);
