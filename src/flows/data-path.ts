/**
 * Where the package's bundled data lives (data/ at the package root, shipped through package.json
 * "files"): found by walking up from this file, so it works from src/ (tsx, tests) and from dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

export function dataPath(...parts: string[]): string {
  if (root === null) {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'data'))) break;
      const up = dirname(dir);
      if (up === dir) throw new Error('the package data/ folder was not found above src/flows');
      dir = up;
    }
    root = join(dir, 'data');
  }
  return join(root, ...parts);
}
