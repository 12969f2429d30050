import type { Command } from 'commander';
import { InrecordError } from '../errors/index.js';
import { EXIT, exitCodeFor, printError } from './output.js';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
  /** How log lines are written: pretty on a terminal, JSON lines when piped (default). */
  logFormat?: string;
}

/**
 * Wraps a command's action: any error prints `✖ summary (CODE)` with why and what to do (or a JSON
 * object with --json) and sets the documented exit code. The action returns its exit code.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined | void>) {
  return async (...args: A): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const json = Boolean(cmd?.optsWithGlobals?.().json);
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : EXIT.ok;
    } catch (err) {
      printError(err, json);
      process.exitCode = exitCodeFor(err);
    }
  };
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

export function notAvailable(name: string): never {
  throw new InrecordError('IR_NOT_IMPLEMENTED', `\`inrecord ${name}\` is not available in this version`);
}

export type Register = (program: Command) => void;
