import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('rollback')
    .description('rollback')
    .action(action(async () => notAvailable('rollback')));
}
