import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('review')
    .description('review')
    .action(action(async () => notAvailable('review')));
}
