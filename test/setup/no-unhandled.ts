// Any unhandled rejection fails the run: vitest reports it as an error, and this makes sure
// nothing (a library default, a stray handler) swallows it first.
process.on('unhandledRejection', (reason) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});
