import type { Command } from 'commander';
import { action, notAvailable } from '../command.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('plan')
    .action(action(async () => notAvailable('plan')));
}
