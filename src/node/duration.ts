/** Parses a duration: a number of milliseconds, or a number with a unit (`500ms`, `2s`, `5m`, `1h`). */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

/**
 * A duration as a person would write it, exactly, so that parseDuration reads it back to the same
 * milliseconds: `30s`, `1.5s`, `1.125s`, `250ms`, `5m` (it rounded to two decimals: 1125 ms
 * printed as `1.13s`, which reads back as 1130).
 */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
