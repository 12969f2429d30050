import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('sim')
    .description('sim')
    .action(action(async () => notAvailable('sim')));
}
