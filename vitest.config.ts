import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'codemods/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real sockets on distinct loopback addresses: files can run in parallel, tests in a file run in order.
    pool: 'forks',
    // vitest fails the run on any unhandled rejection or error (its default): keep it that way.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
