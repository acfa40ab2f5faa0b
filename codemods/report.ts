import path from 'node:path';
import type { FileResult, FileStatus } from './engine.js';
import type { ManualSite } from './reasons.js';
import type { WriteSkip } from './skips.js';

export interface JsonReport {
  /** `reason` only on a file `--write` skipped (see skips.ts). */
  files: { path: string; status: FileStatus; edits: number; manualSites: ManualSite[]; reason?: WriteSkip }[];
  totals: { files: number; ok: number; unmodified: number; skipped: number; error: number; needsReview: number };
  timeMs: number;
}

export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith('..') ? file : rel).split(path.sep).join('/');
}

export function totalsOf(results: readonly FileResult[]): JsonReport['totals'] {
  const count = (s: FileStatus): number => results.filter((r) => r.status === s).length;
  return {
    files: results.length,
    ok: count('ok'),
    unmodified: count('unmodified'),
    skipped: count('skipped'),
    error: count('error'),
    needsReview: count('needs-review'),
  };
}

/** Exactly the shape the README documents, nothing more (`reason` only on a skipped write), nothing less. */
export function jsonReport(cwd: string, results: readonly FileResult[], timeMs: number): JsonReport {
  return {
    files: results.map((r) => ({
      path: displayPath(cwd, r.fileName),
      status: r.status,
      edits: r.edits,
      manualSites: r.manualSites.map(({ line, column, endLine, endColumn, code, field, message, source }) => ({
        line,
        column,
        endLine,
        endColumn,
        code,
        ...(field ? { field } : {}),
        message,
        source,
      })),
      ...(r.skip ? { reason: { code: r.skip.code, message: r.skip.message } } : {}),
    })),
    totals: totalsOf(results),
    timeMs: Math.round(timeMs),
  };
}

/** The sites to review, the errors and skipped writes, then the totals, the time and the rate. */
export function textReport(cwd: string, results: readonly FileResult[], timeMs: number): string {
  const lines: string[] = [];
  for (const r of results) {
    const p = displayPath(cwd, r.fileName);
    if (r.error) lines.push(`${p}: error: ${r.error}`);
    if (r.skip) lines.push(`${p}: skipped (${r.skip.code}): ${r.skip.message}`);
    for (const m of r.manualSites) {
      const span = m.endLine > m.line ? `-${m.endLine}` : '';
      lines.push(`${p}:${m.line}:${m.column}${span}  ${m.code}  ${m.message}`);
    }
  }
  const t = totalsOf(results);
  const seconds = timeMs / 1000;
  const rate = seconds > 0 ? Math.round(t.files / seconds) : t.files;
  if (lines.length > 0) lines.push('');
  lines.push(
    `${t.files} files: ${t.ok} ok, ${t.unmodified} unmodified, ${t.skipped} skipped, ${t.error} error, ${t.needsReview} needs review`,
  );
  lines.push(`done in ${seconds.toFixed(2)} s (${rate} files/s)`);
  return `${lines.join('\n')}\n`;
}
