import { ts } from 'ts-morph';
import { isAssignmentTarget, referencesTo, skipParensUp } from '../ast/syntax.js';

/** Map members that only read. */
const READS = new Set(['size', 'has', 'get', 'keys', 'values', 'entries', 'forEach']);
/** Array and map methods that call their callback before they return. */
const SYNC_CALLBACKS = new Set(['forEach', 'map', 'filter', 'some', 'every', 'find', 'findIndex', 'findLast', 'flatMap', 'reduce', 'sort']);

/**
 * Why the function called at `call` may not be handed a copy of the map passed as its argument
 * `index`, or undefined when it only reads it: every use of the parameter is a read (`size`,
 * `has`, `get`, `keys()`, `values()`, `entries()`, `forEach`, `for...of`, a spread,
 * `Array.from`), made before the function returns (a body that is not async nor a generator; in
 * nested functions only as the callbacks of `forEach`, `map`, `filter`...). Then a copy reads
 * the same as the live map did.
 */
export function readOnlyParameterBlocker(call: ts.CallExpression, index: number, checker: ts.TypeChecker): string | undefined {
  const decl = checker.getResolvedSignature(call)?.getDeclaration();
  const callee = call.expression.getText();
  if (!decl || !ts.isFunctionLike(decl) || !('body' in decl) || !decl.body) return `passed to \`${callee}\`, whose body the codemod cannot read`;
  if (decl.getSourceFile().isDeclarationFile) return `passed to \`${callee}\`, declared outside the project`;
  if (decl.asteriskToken || ts.getModifiers(decl)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
    return `passed to \`${callee}\`, which may read it after it returns (async or generator)`;
  }
  const param = decl.parameters[index];
  if (!param || param.dotDotDotToken || !ts.isIdentifier(param.name)) return `passed to \`${callee}\` as a parameter the codemod cannot follow`;
  const symbol = checker.getSymbolAtLocation(param.name);
  if (!symbol) return `passed to \`${callee}\` as a parameter the codemod cannot follow`;
  const sf = decl.getSourceFile();
  for (const use of referencesTo(decl.body, symbol, param.name, checker)) {
    const where = `\`${callee}\` ${describeUse(use, sf)}`;
    if (isAssignmentTarget(use) || !isRead(use)) return `passed to ${where}, which changes it or keeps it`;
    if (!readBeforeReturn(use, decl)) return `passed to ${where}, in a function that may run later`;
  }
  return undefined;
}

function describeUse(use: ts.Node, sf: ts.SourceFile): string {
  const line = sf.getLineAndCharacterOfPosition(use.getStart(sf)).line + 1;
  const text = use.parent.getText(sf).replace(/\s+/g, ' ');
  return `(\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\`, line ${line})`;
}

function isRead(use: ts.Identifier): boolean {
  const p = skipParensUp(use).parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === use) {
    const method = p.name.text;
    if (!READS.has(method)) return false;
    if (method === 'size') return true;
    const call = p.parent;
    if (!ts.isCallExpression(call) || call.expression !== p) return false;
    // An iterator kept or returned would read the copy later, not the live map.
    if (method === 'keys' || method === 'values' || method === 'entries') return consumedAtOnce(call);
    // forEach's third callback parameter is the map itself.
    if (method === 'forEach') {
      const fn = call.arguments[0];
      return !!fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters.length <= 2;
    }
    return true;
  }
  if (ts.isForOfStatement(p) && p.expression === use) return true;
  if (ts.isSpreadElement(p)) return true;
  return ts.isCallExpression(p) && p.arguments[0] === use && p.expression.getText() === 'Array.from';
}

/** Every function between the use and the callee is a callback run before its call returns. */
function readBeforeReturn(use: ts.Node, callee: ts.Node): boolean {
  for (let n = use.parent; n && n !== callee; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    if (!ts.isArrowFunction(n) && !ts.isFunctionExpression(n)) return false;
    if (n.asteriskToken || ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return false;
    const call = n.parent;
    const isCallback =
      ts.isCallExpression(call) &&
      call.arguments.includes(n) &&
      ts.isPropertyAccessExpression(call.expression) &&
      SYNC_CALLBACKS.has(call.expression.name.text);
    if (!isCallback) return false;
  }
  return true;
}

function consumedAtOnce(call: ts.Expression): boolean {
  const p = skipParensUp(call).parent;
  if (ts.isForOfStatement(p) || ts.isSpreadElement(p)) return true;
  if (ts.isCallExpression(p) && p.arguments[0] === call && p.expression.getText() === 'Array.from') return true;
  return ts.isNewExpression(p) && ts.isIdentifier(p.expression) && (p.expression.text === 'Set' || p.expression.text === 'Map');
}
