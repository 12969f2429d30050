import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('check')
    .description('check')
    .action(action(async () => notAvailable('check')));
}
