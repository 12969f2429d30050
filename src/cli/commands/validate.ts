import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate')
    .action(action(async () => notAvailable('validate')));
}
