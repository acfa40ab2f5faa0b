import { ts } from 'ts-morph';
import type { WriteSite } from '../ast/model.js';
import { normalizeKey, skipParensUp } from '../ast/syntax.js';

/**
 * The `if` whose only business is the map's own presence of the key, around a delete of that
 * key: `const info = peers.get(k); if (info) { peers.delete(k); notify(info) }`, or
 * `if (peers.has(k)) peers.delete(k)`. When the guard is false the map has no such key (or holds
 * a falsy value, which an object value type cannot), so the delete did nothing: an
 * unconditional delete of the whole entry beside it covers it. Undefined for any other delete.
 */
export function presenceGuard(site: WriteSite, checker: ts.TypeChecker): ts.IfStatement | undefined {
  if (site.op !== 'delete' || !site.key) return undefined;
  let n: ts.Node = site.statement;
  // Up through the blocks of the `then` branch.
  while (ts.isBlock(n.parent)) n = n.parent;
  const guard = n.parent;
  if (!ts.isIfStatement(guard) || guard.thenStatement !== n) return undefined;
  return guards(guard.expression, site, checker) ? guard : undefined;
}

/** `x`, `x !== undefined`, `x != null`, `m.has(k)` where `x` is a const holding `m.get(k)`. */
function guards(condition: ts.Expression, site: WriteSite, checker: ts.TypeChecker): boolean {
  const sf = site.file;
  let cond = condition;
  while (ts.isParenthesizedExpression(cond)) cond = cond.expression;
  const isLookup = (e: ts.Expression, method: 'get' | 'has'): boolean => {
    const call = skipParensUp(e) === e && ts.isCallExpression(e) ? e : undefined;
    if (!call || !ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== method) return false;
    return (
      normalizeKey(call.expression.expression, sf) === normalizeKey(site.receiver, sf) &&
      call.arguments.length === 1 &&
      normalizeKey(call.arguments[0], sf) === site.key
    );
  };
  if (isLookup(cond, 'has')) return true;
  let value: ts.Expression | undefined = cond;
  if (ts.isBinaryExpression(cond)) {
    const op = cond.operatorToken.kind;
    const K = ts.SyntaxKind;
    const nullish = (e: ts.Expression): boolean => e.kind === K.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
    if (op === K.ExclamationEqualsEqualsToken && ts.isIdentifier(cond.right) && cond.right.text === 'undefined') value = cond.left;
    else if (op === K.ExclamationEqualsToken && nullish(cond.right)) value = cond.left;
    else value = undefined;
  }
  if (!value || !ts.isIdentifier(value)) return false;
  if (value === cond && mayBeFalsy(checker.getTypeAtLocation(value))) return false;
  const decl = checker.getSymbolAtLocation(value)?.valueDeclaration;
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return false;
  const isConst = ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & ts.NodeFlags.Const) !== 0;
  return isConst && isLookup(decl.initializer, 'get');
}

/** A present value the truthiness test would miss: `0`, `''`, `false`, or a type the checker cannot tell. */
function mayBeFalsy(type: ts.Type): boolean {
  const F = ts.TypeFlags;
  const falsy = F.NumberLike | F.StringLike | F.BooleanLike | F.BigIntLike | F.Any | F.Unknown | F.TypeParameter;
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => (t.flags & falsy) !== 0);
}

/**
 * What goes when a guarded delete merges away: the whole `if` when its branch held nothing else
 * (and it has no `else`: the condition reads a const or calls `has`, so it has no effect of its own).
 */
export function removalOf(site: WriteSite, guard: ts.IfStatement, merged: ReadonlySet<ts.Node>): ts.Node {
  if (guard.elseStatement) return site.statement;
  const branch = guard.thenStatement;
  const statements = ts.isBlock(branch) ? branch.statements : [branch];
  return statements.every((s) => merged.has(s)) ? guard : site.statement;
}
