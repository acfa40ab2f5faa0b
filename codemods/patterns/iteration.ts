import { ts } from 'ts-morph';
import { ENTRY_FIELD, type CodemodOptions, type MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { renameReceiver, renamedReceiverText } from './receiver.js';
import { convertStaleScan } from './stale-scan.js';

export type PatternResult = { edits: TextEdit[] } | { unsupported: string };

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
    if (!binding) return { edits: rename };
    if (role === 'lastSeen' && ts.isIdentifier(binding)) {
      const stale = convertStaleScan(parent, binding, checker);
      if (stale) return { edits: [...rename, ...stale] };
    }
    return { edits: [...rename, destructure(binding, field, sf)] };
  }

  const iterText = renamedReceiverText(receiver, role, sf, options) + sf.text.slice(receiver.end, iterable.end);
  const mapper =
    form === 'values'
      ? `(entry) => entry.${field}`
      : `([key, entry]) => [key, entry.${field}] satisfies [unknown, unknown]`;

  if (ts.isSpreadElement(parent) && ts.isArrayLiteralExpression(parent.parent)) {
    const list = parent.parent;
    const converted = `Array.from(${iterText}, ${mapper})`;
    if (list.elements.length === 1) return { edits: [{ start: list.getStart(sf), end: list.end, text: converted }] };
    return { edits: [{ start: parent.getStart(sf), end: parent.end, text: `...${converted}` }] };
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
  return { unsupported: 'the values are used in a way the codemod cannot follow' };
}

/** `map.forEach((value, key) => ...)`: the callback's value parameter is destructured. */
export function convertForEach(
  receiver: ts.Expression,
  call: ts.CallExpression,
  role: MapRole,
  options: CodemodOptions,
): PatternResult {
  const sf = receiver.getSourceFile();
  const rename = renameReceiver(receiver, role, options);
  const fn = call.arguments[0];
  if (call.arguments.length !== 1 || !fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
    return { unsupported: 'forEach with a callback that is not a function literal' };
  }
  if (fn.parameters.length > 2) return { unsupported: 'forEach callback reading the map argument' };
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
