import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('monitor')
    .description('monitor')
    .action(action(async () => notAvailable('monitor')));
}
