import { ts } from 'ts-morph';
import { ENTRY_FIELD, type CodemodOptions, type MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { renameReceiver, renamedReceiverText } from './receiver.js';

/** `has(k)`, `size`, `keys()` on any of the three maps: the same on `connections`. */
export function convertKeyRead(receiver: ts.Expression, role: MapRole, options: CodemodOptions): TextEdit[] {
  return renameReceiver(receiver, role, options);
}

/**
 * `peers.get(k)` -> `connections.get(k)?.info` (`?.connection`, `?.lastSeen` for the others);
 * `peers.get(k)!` -> `connections.get(k)!.info`, so a non-null assertion keeps its meaning.
 */
export function convertGet(receiver: ts.Expression, call: ts.CallExpression, role: MapRole, options: CodemodOptions): TextEdit[] {
  const field = ENTRY_FIELD[role];
  const parent = call.parent;
  const access =
    ts.isNonNullExpression(parent) && parent.expression === call
      ? { start: parent.end, end: parent.end, text: `.${field}` }
      : { start: call.end, end: call.end, text: `?.${field}` };
  return [...renameReceiver(receiver, role, options), access];
}

/**
 * `m.has(k) ? n.get(k)! : d` -> `(connections.get(k)?.field ?? d)`: one lookup instead of a `has`
 * then a `get` of the same merged map (the analysis checks the values cannot be undefined).
 */
export function convertHasThenGet(cond: ts.ConditionalExpression, get: ts.CallExpression, role: MapRole, options: CodemodOptions): TextEdit {
  const sf = cond.getSourceFile();
  const getReceiver = (get.expression as ts.PropertyAccessExpression).expression;
  const fallback = cond.whenFalse.getText(sf);
  // What the true branch read after the `get` (`!.ip`), the `!` dropped: the `?.` covers it.
  let rest = sf.text.slice(get.end, skipParens(cond.whenTrue).end);
  if (rest.startsWith('!')) rest = rest.slice(1);
  const read = `${renamedReceiverText(getReceiver, role, sf, options)}.get(${get.arguments[0]!.getText(sf)})?.${ENTRY_FIELD[role]}${rest}`;
  const text = fallback === 'undefined' ? read : `(${read} ?? ${fallback})`;
  return { start: cond.getStart(sf), end: cond.end, text };
}

function skipParens(e: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(e) ? skipParens(e.expression) : e;
}
