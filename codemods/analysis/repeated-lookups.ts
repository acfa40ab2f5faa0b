import { ts } from 'ts-morph';
import type { MapRole } from '../options.js';
import { normalizeKey, skipParensUp } from '../ast/syntax.js';

/** The role of a map-valued field access of the class being converted, or undefined. */
type RoleOf = (receiver: ts.Expression) => MapRole | undefined;

/** `a.peers` and `a.lastSeen`: two of the maps of one object, so one merged map after. */
function sameObject(x: ts.Expression, y: ts.Expression, roleOf: RoleOf): boolean {
  if (!ts.isPropertyAccessExpression(x) || !ts.isPropertyAccessExpression(y) || !roleOf(x) || !roleOf(y)) return false;
  return normalizeKey(x.expression, x.getSourceFile()) === normalizeKey(y.expression, y.getSourceFile());
}

function sameKey(a: ts.CallExpression, b: ts.CallExpression): boolean {
  const sf = a.getSourceFile();
  return a.arguments.length === 1 && b.arguments.length === 1 && normalizeKey(a.arguments[0], sf) === normalizeKey(b.arguments[0], sf);
}

function unparen(e: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(e) ? unparen(e.expression) : e;
}

/**
 * `peers.has(k) && lastSeen.has(k)`: after the merge both ask one map the same, so the second
 * goes. Returns the left operand of the `&&` whose last `has` asks the same, or undefined.
 */
export function repeatedHas(call: ts.CallExpression, receiver: ts.Expression, roleOf: RoleOf): ts.Node | undefined {
  const and = skipParensUp(call).parent;
  const K = ts.SyntaxKind;
  if (!ts.isBinaryExpression(and) || and.operatorToken.kind !== K.AmpersandAmpersandToken || skipParensUp(call) !== and.right) return undefined;
  let left = unparen(and.left);
  if (ts.isBinaryExpression(left) && left.operatorToken.kind === K.AmpersandAmpersandToken) left = unparen(left.right);
  if (!ts.isCallExpression(left) || !ts.isPropertyAccessExpression(left.expression) || left.expression.name.text !== 'has') return undefined;
  return sameObject(left.expression.expression, receiver, roleOf) && sameKey(left, call) ? and.left : undefined;
}

/**
 * `connections.has(k) ? peers.get(k)!.ip : d` (two of the maps of one object, one key): one
 * lookup will do. Only when `: d` is `: undefined`, or the true branch is never undefined itself
 * (then `?? d` stands for it).
 */
export function hasThenGet(
  call: ts.CallExpression,
  receiver: ts.Expression,
  roleOf: RoleOf,
  checker: ts.TypeChecker,
): { cond: ts.ConditionalExpression; get: ts.CallExpression; role: MapRole } | undefined {
  const cond = skipParensUp(call).parent;
  if (!ts.isConditionalExpression(cond) || skipParensUp(call) !== cond.condition) return undefined;
  // The `get` may be followed by `!` and property names: `peers.get(k)!.ip`.
  let get = unparen(cond.whenTrue);
  while ((ts.isPropertyAccessExpression(get) && !ts.isCallExpression(get.expression)) || ts.isNonNullExpression(get)) get = get.expression;
  if (!ts.isCallExpression(get) || !ts.isPropertyAccessExpression(get.expression) || get.expression.name.text !== 'get') return undefined;
  const role = roleOf(get.expression.expression);
  if (!role || !sameObject(get.expression.expression, receiver, roleOf) || !sameKey(get, call)) return undefined;
  const F = ts.TypeFlags;
  const type = checker.getTypeAtLocation(cond.whenTrue);
  const nullable = (type.isUnion() ? type.types : [type]).some((t) => (t.flags & (F.Undefined | F.Null | F.Any | F.Unknown)) !== 0);
  if (cond.whenFalse.getText() !== 'undefined' && nullable) return undefined;
  return { cond, get, role };
}
