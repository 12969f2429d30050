import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('docs')
    .description('docs')
    .action(action(async () => notAvailable('docs')));
}
