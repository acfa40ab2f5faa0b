import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'codemods/**/*.test.ts'],
    setupFiles: ['test/setup/no-unhandled.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Real sockets on distinct loopback addresses: files can run in parallel, tests in a file run in order.
    pool: 'forks',
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
