// Copies the non-TypeScript files the runtime reads (SQL migrations, bundled data) into dist/.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ASSET = /\.(sql|json|jsonl|html|css|txt|csv|eml|ics|mbox)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name) && !name.endsWith('.test.json')) {
      const target = join('dist', relative('src', path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target, { force: true });
    }
  }
}
if (existsSync('src')) walk('src');
