/**
 * Runs inrecord's command modules in the test's own process, as the CLI tests that need no second
 * process do: stdout captured, stderr dropped, the given environment set for the call only, the
 * exit code read from process.exitCode.
 */
import { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export function inProcessCli(modules: CommandModule[]) {
  return async (env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string }> => {
    const program = new Command('inrecord')
      .option('-c, --config <path>')
      .option('--data-dir <dir>')
      .option('--json')
      .exitOverride();
    for (const m of modules) m.register(program);
    let stdout = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string | Uint8Array) => {
      stdout += String(c);
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    process.exitCode = 0;
    try {
      await program.parseAsync(['node', 'inrecord', ...args]);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return { code, stdout };
  };
}
