import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { createConnector } from '../../crm/registry.js';
import type { ObjectKind } from '../../crm/types.js';
import { type GateStatus, gateStatus, latestModelVersion } from '../../gate/index.js';
import { type SchemaMap, renderHandover } from '../../monitor/index.js';
import { openStore } from '../../store/index.js';
import { action, globals } from '../command.js';
import { note, printJson, printLine } from '../output.js';

interface DocsOptions {
  out?: string;
  offline?: boolean;
  status?: boolean;
}

export function register(program: Command): void {
  program
    .command('docs')
    .description(
      'Markdown handover for sales and sales ops: fields the AI reads, writes or must never touch, conflict policies, stamps, refresh, gates',
    )
    .option('-o, --out <file>', 'write the document to a file instead of stdout')
    .option(
      '--offline',
      'do not read the CRM schema (labels and types are left out, field names not checked)',
    )
    .option('--status', "include each flow's current gate status from the store")
    .action(
      action(async (opts: DocsOptions, cmd: Command) => {
        const g = globals(cmd);
        const config = loadConfig(g.config);
        const objects = [
          ...new Set<ObjectKind>([
            ...(Object.keys(config.objects) as ObjectKind[]),
            ...config.flows.map((f) => f.object),
          ]),
        ];
        const schemas: SchemaMap = {};
        let schemaError: string | undefined;
        if (!opts.offline) {
          try {
            const crm = await createConnector(config.crm);
            for (const o of objects) schemas[o] = await crm.describe(o);
          } catch (err) {
            schemaError = (err as Error).message;
            note(`! the CRM schema could not be read (${schemaError}); the document says so`);
          }
        }
        let gates: GateStatus[] | undefined;
        if (opts.status) {
          const store = await openStore({
            dataDir: g.dataDir ?? config.store.dataDir,
            databaseUrl: config.store.databaseUrl,
          });
          try {
            gates = [];
            for (const flow of config.flows) {
              const version = await latestModelVersion(store, flow.name);
              if (version) gates.push(await gateStatus(store, flow, version));
            }
          } finally {
            await store.close();
          }
        }
        const markdown = renderHandover(config, {
          schemas,
          schemaError: opts.offline ? 'not requested: --offline' : schemaError,
          gates,
        });
        if (opts.out) {
          writeFileSync(opts.out, markdown);
          if (g.json)
            printJson({
              ok: true,
              out: opts.out,
              schemaRead: Object.keys(schemas).length > 0,
              schemaError: schemaError ?? null,
            });
          else note(`Handover written to ${opts.out}`);
          return;
        }
        if (g.json)
          printJson({
            markdown,
            schemaRead: Object.keys(schemas).length > 0,
            schemaError: schemaError ?? null,
          });
        else printLine(markdown);
      }),
    );
}
