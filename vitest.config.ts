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
    // a hook that opens stores and starts simulators waits its turn for the cores on a loaded
    // machine (an in-memory PGlite took over 60 s to open at a load of 20 on two cores)
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
