import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve')
    .action(action(async () => notAvailable('serve')));
}
