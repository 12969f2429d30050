import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('reconcile')
    .description('reconcile')
    .action(action(async () => notAvailable('reconcile')));
}
