import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('demo')
    .action(action(async () => notAvailable('demo')));
}
