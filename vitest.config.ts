import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // a Postgres server for the server-backend suites: the one at TEST_DATABASE_URL, or one started from npm
    globalSetup: ['test/setup/postgres.ts'],
    pool: 'forks',
    // many integration tests wait on timers, rate-limit windows and child processes: three forks
    // keep two cores busy
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
