import { ts } from 'ts-morph';
import { ENTRY_FIELD, type MapRole } from '../options.js';
import { indentAt, type TextEdit } from '../ast/text-edits.js';
import { enclosingFunction, freshName } from '../ast/syntax.js';
import { fileStyle } from '../ast/style.js';

/** Reads by the loop key, inside a `for...of` over entries, that the entry in hand can answer. */
export type InHandReads = readonly { call: ts.CallExpression; role: MapRole; nullable: boolean }[];

/**
 * A loop over one map that reads the others by its key:
 * `for (const [k, ws] of connections) { const t = lastSeen.get(k); ... }` becomes
 * `for (const [k, entry] of connections) { const ws = entry.connection; const t = entry.lastSeen; ... }`.
 * The loop's value is read from the entry in hand at the top of the body, so the body's uses of
 * it stay as written; each read by the key is the entry's field (`entry.lastSeen` is read live,
 * as `lastSeen.get(k)` was). Undefined when the loop is not of that shape (the caller converts
 * it like any other loop).
 *
 * `value` is the loop's value binding (absent in `for (const [k] of m)`); `reads` the `get` calls
 * to answer from the entry.
 */
export function convertLoopEntry(
  loop: ts.ForOfStatement,
  pattern: ts.ArrayBindingPattern,
  role: MapRole,
  reads: InHandReads,
): TextEdit[] | undefined {
  const sf = loop.getSourceFile();
  const body = loop.statement;
  if (!ts.isBlock(body) || reads.length === 0) return undefined;
  const second = pattern.elements[1];
  if (second && (!ts.isBindingElement(second) || second.initializer || second.dotDotDotToken)) return undefined;
  if (pattern.elements.length > 2) return undefined;
  const entry = freshName(enclosingFunction(loop), sf, 'entry');
  const keyword = ts.isVariableDeclarationList(loop.initializer) && (loop.initializer.flags & ts.NodeFlags.Const) !== 0 ? 'const' : 'let';
  const edits: TextEdit[] = [];
  if (second) {
    edits.push({ start: second.name.getStart(sf), end: second.name.end, text: entry });
    const first = body.statements[0];
    const indent = first ? indentAt(sf.text, first.getStart(sf)) : `${indentAt(sf.text, loop.getStart(sf))}  `;
    const line = `\n${indent}${keyword} ${second.name.getText(sf)} = ${entry}.${ENTRY_FIELD[role]}${fileStyle(sf).semi}`;
    edits.push({ start: body.getStart(sf) + 1, end: body.getStart(sf) + 1, text: line });
  } else {
    const last = pattern.elements[0]!;
    edits.push({ start: last.end, end: last.end, text: `, ${entry}` });
  }
  return [...edits, ...readsFromEntry(reads, entry)];
}

/**
 * Each `map.get(k)` read by the loop key -> the field of the entry in hand, which is never
 * undefined: a `?.` or `!` right after it becomes `.` or goes, and a `?? fallback` goes (it never ran
 * while the entry was there).
 */
export function readsFromEntry(reads: InHandReads, entry: string): TextEdit[] {
  return reads.map(({ call, role, nullable }) => {
    const text = `${entry}.${ENTRY_FIELD[role]}`;
    const p = call.parent;
    if (nullable) return { start: call.getStart(), end: call.end, text };
    if (ts.isNonNullExpression(p)) return { start: call.getStart(), end: p.end, text };
    if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p) || ts.isCallExpression(p)) && p.questionDotToken && p.expression === call) {
      return { start: call.getStart(), end: p.questionDotToken.end, text: ts.isPropertyAccessExpression(p) ? `${text}.` : text };
    }
    if (ts.isBinaryExpression(p) && p.left === call && p.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
      return { start: call.getStart(), end: p.end, text };
    }
    return { start: call.getStart(), end: call.end, text };
  });
}

/**
 * The same for `map.forEach((ws, k) => { ... })`: `(entry, k) => { const ws = entry.connection; ... }`.
 */
export function convertCallbackEntry(fn: ts.ArrowFunction | ts.FunctionExpression, role: MapRole, reads: InHandReads): TextEdit[] | undefined {
  const sf = fn.getSourceFile();
  const body = fn.body;
  const value = fn.parameters[0];
  if (!ts.isBlock(body) || reads.length === 0 || !value || value.type || value.initializer || value.dotDotDotToken) return undefined;
  const entry = freshName(fn, sf, 'entry');
  const first = body.statements[0];
  const indent = first ? indentAt(sf.text, first.getStart(sf)) : `${indentAt(sf.text, fn.getStart(sf))}  `;
  const line = `\n${indent}const ${value.name.getText(sf)} = ${entry}.${ENTRY_FIELD[role]}${fileStyle(sf).semi}`;
  return [
    { start: value.name.getStart(sf), end: value.name.end, text: entry },
    { start: body.getStart(sf) + 1, end: body.getStart(sf) + 1, text: line },
    ...readsFromEntry(reads, entry),
  ];
}
