import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('worker')
    .action(action(async () => notAvailable('worker')));
}
