import type { TextEdit } from './ast/text-edits.js';
import type { ManualSite } from './reasons.js';

/**
 * The sites' positions in the edited text: each TODO inserted above a site, each line a
 * conversion removed, moves the sites below it. After `--write` the report names the lines of
 * the file as written, not as it was.
 */
export function relocateSites(before: string, after: string, edits: readonly TextEdit[], sites: readonly ManualSite[]): ManualSite[] {
  if (edits.length === 0) return [...sites];
  const ordered = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const beforeLines = lineStarts(before);
  const afterLines = lineStarts(after);
  const map = (offset: number): number => {
    let delta = 0;
    for (const e of ordered) {
      if (e.end <= offset) delta += e.text.length - (e.end - e.start);
      else if (e.start < offset) return e.start + delta; // inside a replaced range: where it now starts
      else break;
    }
    return offset + delta;
  };
  const offsetOf = (line: number, column: number): number => (beforeLines[line - 1] ?? before.length) + column - 1;
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = afterLines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (afterLines[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - afterLines[lo]! + 1 };
  };
  return sites.map((s) => {
    const start = position(map(offsetOf(s.line, s.column)));
    const end = position(map(offsetOf(s.endLine, s.endColumn)));
    const lineEnd = after.indexOf('\n', afterLines[start.line - 1]);
    const source = after.slice(afterLines[start.line - 1], lineEnd === -1 ? undefined : lineEnd).trim();
    // Lines named in the message move with the text too.
    const message = s.message.replace(/\(line (\d+)\)/g, (_, n: string) => `(line ${position(map(offsetOf(Number(n), 1))).line})`);
    return { ...s, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, message, source };
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
