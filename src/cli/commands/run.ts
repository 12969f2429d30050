import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run')
    .action(action(async () => notAvailable('run')));
}
