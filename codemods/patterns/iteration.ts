import { ts } from 'ts-morph';
import { ENTRY_FIELD, type CodemodOptions, type MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { renameReceiver, renamedReceiverText } from './receiver.js';
import { convertCallbackEntry, convertLoopEntry, readsFromEntry, type InHandReads } from './loop-entry.js';

export type { InHandReads } from './loop-entry.js';
import { convertStaleScan } from './stale-scan.js';

export type PatternResult = { edits: TextEdit[]; inHand?: readonly ts.CallExpression[] } | { unsupported: string };


/**
 * Iteration over a map's values or entries: `for...of`, spreads, `Array.from`. The loop or
 * callback keeps its variable names; the value is read from the unified entry by destructuring
 * (`for (const [k, { info }] of connections)`), so the body is untouched.
 *
 * `iterable` is the receiver itself or `receiver.values()` / `receiver.entries()`.
 */
export function convertIteration(
  receiver: ts.Expression,
  iterable: ts.Expression,
  form: 'values' | 'entries',
  role: MapRole,
  checker: ts.TypeChecker,
  options: CodemodOptions,
  inHand: InHandReads = [],
): PatternResult {
  const sf = receiver.getSourceFile();
  const field = ENTRY_FIELD[role];
  const rename = renameReceiver(receiver, role, options);
  const parent = iterable.parent;

  if (ts.isForOfStatement(parent) && parent.expression === iterable) {
    const init = parent.initializer;
    if (!ts.isVariableDeclarationList(init) || init.declarations.length !== 1) {
      return { unsupported: 'for...of without its own variable declaration' };
    }
    const declName = init.declarations[0]!.name;
    let binding: ts.BindingName | undefined;
    if (form === 'values') binding = declName;
    else if (ts.isArrayBindingPattern(declName)) {
      const second = declName.elements[1];
      if (second && ts.isBindingElement(second)) {
        if (second.initializer || second.dotDotDotToken) return { unsupported: 'entry value with a default or rest' };
        binding = second.name;
      }
    } else return { unsupported: 'entries iterated into one variable' };
    const calls = inHand.map((r) => r.call);
    if (role === 'lastSeen' && binding && ts.isIdentifier(binding)) {
      const stale = convertStaleScan(parent, binding, checker);
      if (stale) return { edits: [...rename, ...stale.edits, ...readsFromEntry(inHand, stale.entry)], inHand: calls };
    }
    if (form === 'entries' && ts.isArrayBindingPattern(declName)) {
      const loop = convertLoopEntry(parent, declName, role, inHand);
      if (loop) return { edits: [...rename, ...loop], inHand: calls };
    }
    if (!binding) return { edits: rename };
    return { edits: [...rename, destructure(binding, field, sf)] };
  }

  const iterText = renamedReceiverText(receiver, role, sf, options) + sf.text.slice(receiver.end, iterable.end);
  const mapper =
    form === 'values'
      ? `(entry) => entry.${field}`
      : `([key, entry]) => [key, entry.${field}] satisfies [unknown, unknown]`;

  const converted = `Array.from(${iterText}, ${mapper})`;
  if (ts.isSpreadElement(parent)) {
    // `[...m.values()]` alone is the array itself; in a longer list or a call's arguments
    // (`Math.max(...lastSeen.values())`) the array is spread in its place.
    const list = parent.parent;
    if (ts.isArrayLiteralExpression(list) && list.elements.length === 1) {
      return { edits: [{ start: list.getStart(sf), end: list.end, text: converted }] };
    }
    return { edits: [{ start: iterable.getStart(sf), end: iterable.end, text: converted }] };
  }

  if (ts.isCallExpression(parent) && parent.arguments[0] === iterable && parent.expression.getText(sf) === 'Array.from') {
    if (parent.arguments.length === 1) {
      return { edits: [...rename, { start: iterable.end, end: iterable.end, text: `, ${mapper}` }] };
    }
    const fn = parent.arguments[1];
    if (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
      const first = fn.parameters[0];
      if (!first) return { edits: rename };
      if (first.type || first.initializer) return { unsupported: 'Array.from mapper with a typed or defaulted parameter' };
      let binding: ts.BindingName | undefined = first.name;
      if (form === 'entries') {
        const second = ts.isArrayBindingPattern(first.name) ? first.name.elements[1] : undefined;
        if (!ts.isArrayBindingPattern(first.name)) return { unsupported: 'Array.from mapper taking the entry whole' };
        binding = second && ts.isBindingElement(second) ? second.name : undefined;
      }
      return { edits: binding ? [...rename, destructure(binding, field, sf)] : rename };
    }
    return { unsupported: 'Array.from with a mapper that is not a function literal' };
  }
  if (consumesIterable(iterable)) return { edits: [{ start: iterable.getStart(sf), end: iterable.end, text: converted }] };
  const first = firstValue(iterable, form);
  if (first) return { edits: [...rename, { start: first.end, end: first.end, text: `?.${field}` }] };
  return { unsupported: 'the values are used in a way the codemod cannot follow' };
}

/**
 * Places that read an iterable whole and keep nothing of the iterator: array destructuring
 * (`const [first] = peers.values()`), `new Set(...)` / `new Map(...)`, spreads. An array of the
 * entries' values reads the same there.
 */
export function consumesIterable(iterable: ts.Expression): boolean {
  const p = iterable.parent;
  if (ts.isSpreadElement(p)) return true;
  if (ts.isVariableDeclaration(p) && p.initializer === iterable) return ts.isArrayBindingPattern(p.name);
  if (ts.isBinaryExpression(p) && p.right === iterable && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    return ts.isArrayLiteralExpression(p.left);
  }
  if (ts.isNewExpression(p) && p.arguments?.length === 1 && p.arguments[0] === iterable) {
    return ts.isIdentifier(p.expression) && (p.expression.text === 'Set' || p.expression.text === 'Map');
  }
  return false;
}

/** `m.values().next().value`: the first value, read from the first entry. */
function firstValue(iterable: ts.Expression, form: 'values' | 'entries'): ts.Node | undefined {
  if (form !== 'values' || !ts.isCallExpression(iterable)) return undefined;
  const next = iterable.parent;
  const call = next.parent;
  const value = call?.parent;
  const isNext = ts.isPropertyAccessExpression(next) && next.expression === iterable && next.name.text === 'next';
  if (!isNext || !ts.isCallExpression(call) || call.expression !== next || call.arguments.length > 0) return undefined;
  if (!value || !ts.isPropertyAccessExpression(value) || value.expression !== call || value.name.text !== 'value') return undefined;
  return value;
}

/** `map.forEach((value, key) => ...)`: the callback's value parameter is destructured. */
export function convertForEach(
  receiver: ts.Expression,
  call: ts.CallExpression,
  role: MapRole,
  options: CodemodOptions,
  inHand: InHandReads = [],
): PatternResult {
  const sf = receiver.getSourceFile();
  const rename = renameReceiver(receiver, role, options);
  const fn = call.arguments[0];
  if (call.arguments.length !== 1 || !fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
    return { unsupported: 'forEach with a callback that is not a function literal' };
  }
  if (fn.parameters.length > 2) return { unsupported: 'forEach callback reading the map argument' };
  const inCallback = convertCallbackEntry(fn, role, inHand);
  if (inCallback) return { edits: [...rename, ...inCallback], inHand: inHand.map((r) => r.call) };
  const first = fn.parameters[0];
  if (!first) return { edits: rename };
  if (first.type || first.initializer || first.dotDotDotToken) {
    return { unsupported: 'forEach callback with a typed, defaulted or rest value parameter' };
  }
  return { edits: [...rename, destructure(first.name, ENTRY_FIELD[role], sf)] };
}

/** `info` -> `{ info }`; `x` -> `{ info: x }`; a pattern `{ ip }` -> `{ info: { ip } }`. */
function destructure(binding: ts.BindingName, field: string, sf: ts.SourceFile): TextEdit {
  const text = binding.getText(sf);
  const wrapped = ts.isIdentifier(binding) && binding.text === field ? `{ ${field} }` : `{ ${field}: ${text} }`;
  return { start: binding.getStart(sf), end: binding.end, text: wrapped };
}
