import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('import')
    .description('import')
    .action(action(async () => notAvailable('import')));
}
