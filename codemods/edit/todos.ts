import { ts } from 'ts-morph';
import { anchorStatement } from '../ast/syntax.js';
import type { ReasonCode } from '../reasons.js';
import { indentAt, lineStart, type TextEdit } from '../ast/text-edits.js';

export const TODO_TAG = 'TODO(poolshift):';
export const IGNORE_TAG = 'poolshift-ignore';

/** The statement's first line and the comment lines right above it. */
function commentBlock(sf: ts.SourceFile, node: ts.Node): { text: string; anchorLine: number; indent: string } {
  const anchor = anchorStatement(node);
  const start = anchor.getStart(sf);
  const anchorLine = lineStart(sf.text, start);
  const eol = sf.text.indexOf('\n', start);
  const lines = [sf.text.slice(anchorLine, eol === -1 ? undefined : eol)];
  let at = anchorLine;
  while (at > 0) {
    const prev = lineStart(sf.text, at - 1);
    const line = sf.text.slice(prev, at - 1).trim();
    if (!(line.startsWith('//') || line.startsWith('/*') || line.startsWith('*'))) break;
    lines.push(line);
    at = prev;
  }
  return { text: lines.join('\n'), anchorLine, indent: indentAt(sf.text, start) };
}

/** A `// poolshift-ignore` on the statement's line or in the comments right above it. */
export function isIgnored(sf: ts.SourceFile, node: ts.Node): boolean {
  return commentBlock(sf, node).text.includes(IGNORE_TAG);
}

/** `// TODO(poolshift): CODE message` above the statement, unless one with that code is there. */
export function todoEdit(sf: ts.SourceFile, node: ts.Node, code: ReasonCode, message: string): TextEdit | undefined {
  const block = commentBlock(sf, node);
  if (block.text.includes(`${TODO_TAG} ${code}`)) return undefined;
  // Line numbers would be wrong as soon as a line is added above: the TODO sits on the lines it means.
  const text = message.replace(/ \(line \d+\)/g, '');
  return { start: block.anchorLine, end: block.anchorLine, text: `${block.indent}// ${TODO_TAG} ${code} ${text}\n` };
}

/**
 * `// TODO(poolshift): ...` lines right above the statement holding `node`, as removals: once a
 * class migrates, the TODOs an earlier run put on its sites are stale.
 */
export function staleTodoEdits(sf: ts.SourceFile, node: ts.Node): TextEdit[] {
  const start = anchorStatement(node).getStart(sf);
  const edits: TextEdit[] = [];
  let at = lineStart(sf.text, start);
  while (at > 0) {
    const prev = lineStart(sf.text, at - 1);
    const line = sf.text.slice(prev, at - 1).trim();
    if (!(line.startsWith('//') || line.startsWith('/*') || line.startsWith('*'))) break;
    if (line.startsWith(`// ${TODO_TAG} `)) edits.push({ start: prev, end: at, text: '' });
    at = prev;
  }
  return edits;
}
