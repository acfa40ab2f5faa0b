/**
 * Durations as a person reads them in a log line. The system clock is performance.now() on the
 * epoch scale, so a difference of two readings carries a dozen digits after the point
 * (`held for 37830.465576171875 ms`) that nobody reads and a log search cannot match.
 */

/** A duration field of a log line (`waitedMs`, `heldMs`): whole milliseconds. */
export function wholeMs(ms: number): number {
  return Math.round(ms);
}

/** A duration in a log message's text: whole ms below 10 s (`999 ms`), else seconds with one decimal (`37.8 s`). */
export function readableDuration(ms: number): string {
  return Math.abs(ms) < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
