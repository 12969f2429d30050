import type { Command } from 'commander';
import { backupStore, restoreStore } from '../../store/index.js';
import { action, globals } from '../command.js';
import { commandStoreOptions } from '../context.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('backup <file>')
    .description(
      'write the embedded store to one file (gzipped tar); the store must not be in use, so stop `inrecord run` first',
    )
    .action(
      action(async (file: string, _opts: unknown, cmd: Command) => {
        const res = await backupStore(file, commandStoreOptions(cmd).options);
        if (globals(cmd).json) return printJson(res);
        printLine(
          `backed up ${res.dataDir} to ${res.file} (${(res.bytes / 1024 / 1024).toFixed(1)} MB); restore it with \`inrecord restore ${file}\``,
        );
        printLine('the secret key (secret.key in the data dir, or INRECORD_SECRET_KEY) is not in the backup: keep it apart, and copy it back beside a restored store');
      }),
    );
  program
    .command('restore <file>')
    .description('make the embedded store from a backup file, in a data dir that holds no store yet')
    .action(
      action(async (file: string, _opts: unknown, cmd: Command) => {
        const res = await restoreStore(file, commandStoreOptions(cmd).options);
        if (globals(cmd).json) return printJson(res);
        printLine(`restored ${res.file} into ${res.dataDir}`);
      }),
    );
}
