/** A replacement of `[start, end)` in the original text; an insertion has `start === end`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export class OverlappingEditsError extends Error {
  constructor(a: TextEdit, b: TextEdit) {
    super(`internal: overlapping edits [${a.start},${a.end}) and [${b.start},${b.end})`);
  }
}

/**
 * Applies all edits in one pass. Insertions at one position keep the order they were given in;
 * overlapping replacements are a bug in a pattern and throw.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.index - b.index)
    .map((x) => x.edit);
  let out = '';
  let at = 0;
  let previous: TextEdit | undefined;
  for (const edit of ordered) {
    if (edit.start < at) throw new OverlappingEditsError(previous ?? edit, edit);
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
    previous = edit;
  }
  return out + text.slice(at);
}

/** The start of the line holding `pos`. */
export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The whitespace that starts the line holding `pos`. */
export function indentAt(text: string, pos: number): string {
  const start = lineStart(text, pos);
  return /^[ \t]*/.exec(text.slice(start, pos))?.[0] ?? '';
}

/**
 * Removal of a statement or member `[start, end)`: its whole line(s) when nothing else shares
 * them, else just its text. Leading comments stay unless `withLeading` names an earlier start.
 */
export function removeLines(text: string, start: number, end: number): TextEdit {
  const from = lineStart(text, start);
  const before = text.slice(from, start);
  const eol = text.indexOf('\n', end);
  const after = text.slice(end, eol === -1 ? text.length : eol);
  // `after` ends with the `\r` of a CRLF line: still nothing else on it.
  if (/^[ \t]*$/.test(before) && /^[ \t]*\r?$/.test(after)) {
    return { start: from, end: eol === -1 ? text.length : eol + 1, text: '' };
  }
  let stop = end;
  while (stop < text.length && (text[stop] === ' ' || text[stop] === '\t')) stop++;
  return { start, end: stop, text: '' };
}
