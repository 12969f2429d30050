import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type InrecordConfig, defaultConfigPath, loadConfig } from '../config/index.js';
import { type Store, openStore } from '../store/index.js';
import { globals } from './command.js';

/**
 * The store a command works on: --data-dir, else the config's store section (when there is a
 * config), else DATABASE_URL / the embedded default. Commands that need no CRM need no config.
 */
export async function openCommandStore(cmd: Command): Promise<{ store: Store; config?: InrecordConfig }> {
  const g = globals(cmd);
  const path = g.config ?? defaultConfigPath();
  const config = g.config || existsSync(path) ? loadConfig(path) : undefined;
  const store = await openStore({
    dataDir: g.dataDir ?? config?.store.dataDir,
    databaseUrl: config?.store.databaseUrl,
    ...(config?.store.schema ? { schema: config.store.schema } : {}),
  });
  return { store, config };
}
