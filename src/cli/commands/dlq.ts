import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('dlq')
    .description('dlq')
    .action(action(async () => notAvailable('dlq')));
}
