import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('apply')
    .description('apply')
    .action(action(async () => notAvailable('apply')));
}
