/** Median and spread of a set of samples. */
export interface Summary {
  readonly median: number;
  /** Median absolute deviation, as a fraction of the median (0.02 = ±2 %). */
  readonly spread: number;
  readonly samples: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  return { median: m, spread: m === 0 ? 0 : mad / m, samples: values.length };
}
