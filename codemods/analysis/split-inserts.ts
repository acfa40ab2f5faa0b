import { ts } from 'ts-morph';
import type { MapRole } from '../options.js';
import type { ClassFindings, WriteSite } from '../ast/model.js';
import { enclosingFunction, isAssignmentTarget, referencesTo } from '../ast/syntax.js';

/**
 * One insert split in two places: the first part's writes, then a call (`this.track(id, info)`)
 * to the method holding the rest. `args` maps each of the method's parameters to the text of the
 * argument passed for it, to build the entry where the call stands.
 */
export interface SplitInsert {
  first: WriteSite[];
  rest: WriteSite[];
  call: ts.ExpressionStatement;
  args: Map<ts.Symbol, string>;
}

/** The two parts of an insert that cannot be built in one place, and why. */
export interface SplitReport {
  first: WriteSite[];
  rest: WriteSite[];
  why: string;
}

/**
 * Partial insert groups of one class whose roles together make all three, in two functions, the
 * first reaching the second. Converted when the second is a method called only there, right
 * after the first part (synchronously, nothing reading the maps in between), its writes made
 * unconditionally before anything else of it reads the maps, with values built from its
 * parameters or from expressions it could evaluate at the call. Reported once, naming both
 * places, when the second part runs in a callback (it may run later: code in between sees a
 * connection without its info) or one of those conditions fails.
 */
export function findSplitInserts(
  groups: WriteSite[][],
  findings: ClassFindings,
  checker: ts.TypeChecker,
): { splits: SplitInsert[]; reports: SplitReport[] } {
  const partial = groups.filter((g) => g[0]!.op === 'set' && g.length < 3 && new Set(g.map((s) => s.role)).size === g.length);
  const splits: SplitInsert[] = [];
  const reports: SplitReport[] = [];
  const used = new Set<WriteSite[]>();
  for (const first of partial) {
    for (const rest of partial) {
      if (first === rest || used.has(first) || used.has(rest)) continue;
      const roles = new Set<MapRole>([...first, ...rest].map((s) => s.role));
      if (roles.size !== 3 || first.length + rest.length !== 3) continue;
      let found = relate(first, rest, findings, checker);
      // A lone `lastSeen.set` converts on its own (markSeen): a split that cannot convert leaves
      // both parts to their own patterns, as if unrelated.
      const lone = (part: WriteSite[]): boolean => part.length === 1 && part[0]!.role === 'lastSeen';
      if (found && !('call' in found) && (lone(first) || lone(rest))) found = undefined;
      if (!found) continue;
      used.add(first);
      used.add(rest);
      if ('call' in found) splits.push(found);
      else reports.push(found);
    }
  }
  return { splits, reports };
}

function relate(first: WriteSite[], rest: WriteSite[], findings: ClassFindings, checker: ts.TypeChecker): SplitInsert | SplitReport | undefined {
  const a = first[0]!;
  const b = rest[0]!;
  const fnA = enclosingFunction(a.statement);
  const fnB = enclosingFunction(b.statement);
  if (fnA === fnB) return undefined;
  const firstEnd = Math.max(...first.map((s) => s.statement.end));

  // The rest in a callback made by the first part's function, for the same key variable.
  if (isInside(fnB, fnA) && sameKeySymbol(a, b, checker)) {
    return { first, rest, why: 'the second part runs in a callback, so code in between sees one without the other' };
  }

  // The rest in a method the first part's function calls after its writes.
  const call = callsTo(fnA, fnB, checker).find((c) => c.getStart() >= firstEnd);
  if (!call) return undefined;
  const report = (why: string): SplitReport => ({ first, rest, why });
  const statement = call.parent;
  if (!ts.isPropertyAccessExpression(call.expression) || call.expression.expression.kind !== ts.SyntaxKind.ThisKeyword) {
    return report(`\`${call.expression.getText()}\` is not a method of the same object`);
  }
  if (!ts.isExpressionStatement(statement) || statement.expression !== call) return report('the call is not a statement of its own (awaited, or its result used)');
  if (!ts.isFunctionLike(fnB) || !('body' in fnB) || !fnB.body || !ts.isBlock(fnB.body)) return report(`\`${call.expression.getText()}\` has no body to read`);
  if (ts.getModifiers(fnB)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) || fnB.asteriskToken) return report(`\`${call.expression.getText()}\` is async`);
  const body = fnB.body;
  const restEnd = Math.max(...rest.map((s) => s.statement.end));
  if (!rest.every((s) => s.statement.parent === body)) return report('the second part is conditional in its method');
  const before = body.statements.filter((s) => s.end <= restEnd);
  if (before.some((s) => containsExit(s))) return report('the second part may return before its writes');
  if (!ts.isBlock(statement.parent) || statement.parent !== a.statement.parent) return report('the call is not beside the first part\'s writes');

  const symbolB = 'name' in fnB && fnB.name ? checker.getSymbolAtLocation(fnB.name) : undefined;
  const cls = findings.cls.decl;
  const callers = symbolB ? referencesTo(cls, symbolB, fnB.name!, checker) : [];
  const other = callers.find((c) => c.parent !== call.expression);
  if (other || callers.length === 0) {
    const where = other ? ` from ${placeOf(other)}` : ' elsewhere';
    return report(`\`${call.expression.getText()}\` is also called${where}, without the first part`);
  }

  // Parameters -> the call's argument text; the key must be the same.
  const args = new Map<ts.Symbol, string>();
  for (const [i, p] of fnB.parameters.entries()) {
    const arg = call.arguments[i];
    const symbol = ts.isIdentifier(p.name) ? checker.getSymbolAtLocation(p.name) : undefined;
    if (!symbol || p.dotDotDotToken || (!arg && p.initializer)) return report('its parameters cannot be followed');
    if (arg && !isPlainValue(arg)) return report(`the argument \`${arg.getText()}\` would be evaluated twice`);
    args.set(symbol, arg ? arg.getText() : 'undefined');
  }
  const keyB = rest[0]!.call.arguments[0]!;
  const keyParam = ts.isIdentifier(keyB) ? checker.getSymbolAtLocation(keyB) : undefined;
  if (!keyParam || args.get(keyParam)?.replace(/\s+/g, '') !== a.key) return report('the second part\'s key is not the one passed from the first');
  for (const s of rest) {
    const bad = foreignReference(s.call.arguments[1]!, fnB, args, checker);
    if (bad) return report(`\`${bad}\` is not known where the call stands`);
  }
  for (const s of first) {
    const value = s.call.arguments[1]!;
    if (!isPlainValue(value) || changesBetween(value, s.statement.end, statement.getStart(), fnA, checker)) {
      return report(`\`${value.getText()}\` may change before the call`);
    }
  }
  const reads = findings.keyed.filter(
    (k) =>
      !first.some((s) => s.call === k.node) &&
      !rest.some((s) => s.call === k.node) &&
      ((k.file === a.file && k.node.pos >= firstEnd && k.node.end <= statement.getStart() && enclosingFunction(k.node) === fnA) ||
        (k.node.pos >= body.pos && k.node.end <= restEnd && enclosingFunction(k.node) === fnB)),
  );
  if (reads.length > 0) return report(`\`${reads[0]!.node.getText()}\` reads the maps between the two parts`);
  return { first, rest, call: statement, args };
}

function isInside(inner: ts.Node, outer: ts.Node): boolean {
  for (let n: ts.Node | undefined = inner.parent; n; n = n.parent) if (n === outer) return true;
  return false;
}

function sameKeySymbol(a: WriteSite, b: WriteSite, checker: ts.TypeChecker): boolean {
  const ka = a.call.arguments[0];
  const kb = b.call.arguments[0];
  if (!ka || !kb || !ts.isIdentifier(ka) || !ts.isIdentifier(kb)) return false;
  const s = checker.getSymbolAtLocation(ka);
  return !!s && s === checker.getSymbolAtLocation(kb);
}

/** Calls in `fn`'s own body (not its callbacks) that resolve to `target`. */
function callsTo(fn: ts.Node, target: ts.Node, checker: ts.TypeChecker): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && enclosingFunction(n) === fn && checker.getResolvedSignature(n)?.getDeclaration() === target) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

function containsExit(node: ts.Node): boolean {
  if (ts.isReturnStatement(node) || ts.isThrowStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, containsExit) ?? false;
}

/** An identifier, literal or property chain: evaluating it again gives the same, with no effect. */
function isPlainValue(e: ts.Expression): boolean {
  if (ts.isIdentifier(e) || ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) return true;
  return ts.isPropertyAccessExpression(e) && isPlainValue(e.expression);
}

/** An identifier of `value` assigned between `from` and `to` in `fn`. */
function changesBetween(value: ts.Expression, from: number, to: number, fn: ts.Node, checker: ts.TypeChecker): boolean {
  let root: ts.Expression = value;
  while (ts.isPropertyAccessExpression(root)) root = root.expression;
  if (!ts.isIdentifier(root)) return false;
  const symbol = checker.getSymbolAtLocation(root);
  if (!symbol) return true;
  return referencesTo(fn, symbol, root, checker).some((r) => r.pos >= from && r.end <= to && isAssignmentTarget(r));
}

/**
 * The text of a reference in a value of the second part that has no meaning at the call: a local
 * of its method (its parameters are replaced by the call's arguments). Undefined when all are known.
 */
function foreignReference(value: ts.Expression, fn: ts.Node, args: Map<ts.Symbol, string>, checker: ts.TypeChecker): string | undefined {
  let bad: string | undefined;
  const visit = (n: ts.Node): void => {
    if (bad) return;
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      const symbol = checker.getSymbolAtLocation(n);
      const decl = symbol?.valueDeclaration;
      if (symbol && !args.has(symbol) && decl && isInside(decl, fn)) bad = n.text;
    }
    ts.forEachChild(n, visit);
  };
  visit(value);
  return bad;
}

/** `\`refresh\` (line 61)`: the named function holding a node, and the node's line. */
function placeOf(node: ts.Node): string {
  let fn = enclosingFunction(node);
  while (ts.isFunctionLike(fn) && !fn.name && !ts.isSourceFile(fn.parent)) fn = enclosingFunction(fn);
  const sf = node.getSourceFile();
  const name = ts.isFunctionLike(fn) && fn.name ? `\`${fn.name.getText(sf)}\`` : 'module code';
  return `${name} (line ${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1})`;
}
