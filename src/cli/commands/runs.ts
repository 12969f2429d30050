import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('runs')
    .description('runs')
    .action(action(async () => notAvailable('runs')));
}
