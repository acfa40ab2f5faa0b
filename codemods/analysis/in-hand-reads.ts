import { ts } from 'ts-morph';
import type { MapRole } from '../options.js';
import { enclosingFunction } from '../ast/syntax.js';

/** A `map.get(key)` in a loop over the maps, by the loop's own key: the entry in hand answers it. */
export interface InHandRead {
  call: ts.CallExpression;
  role: MapRole;
  /** The map's values may themselves be undefined or null: `?.`, `!` and `??` after the read stay. */
  nullable: boolean;
}

/**
 * Reads of the class's maps by the loop key inside `for (const [k, v] of map)` (or a
 * `map.forEach((v, k) => ...)` callback), which the entry
 * the loop holds can answer without a second lookup. A read counts only when it runs while the
 * loop's entry is still the map's: in the loop's own function (not a callback that may run
 * later), with no write to any of the maps in the loop body before it, nor anywhere in an inner
 * loop around it.
 *
 * `roleOf` names the role of a map-valued expression of the same class, or undefined.
 */
export function inHandReads(
  loop: ts.ForOfStatement | ts.ArrowFunction | ts.FunctionExpression,
  key: ts.Identifier,
  checker: ts.TypeChecker,
  roleOf: (receiver: ts.Expression) => MapRole | undefined,
): InHandRead[] {
  const keySymbol = checker.getSymbolAtLocation(key);
  if (!keySymbol) return [];
  // A forEach callback is its own function: its reads must be in it, not in callbacks it makes.
  const fn = ts.isForOfStatement(loop) ? enclosingFunction(loop) : loop;
  const body = ts.isForOfStatement(loop) ? loop.statement : loop.body;
  const writes: ts.CallExpression[] = [];
  const reads: InHandRead[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const role = roleOf(n.expression.expression);
      const method = n.expression.name.text;
      // Any map's write counts, aliases included: a write through one the codemod does not follow stops too.
      const isMap = role !== undefined || checker.getTypeAtLocation(n.expression.expression).getSymbol()?.getName() === 'Map';
      if (isMap && (method === 'set' || method === 'delete' || method === 'clear')) writes.push(n);
      const arg = n.arguments[0];
      if (role && method === 'get' && n.arguments.length === 1 && arg && ts.isIdentifier(arg) && checker.getSymbolAtLocation(arg) === keySymbol) {
        reads.push({ call: n, role, nullable: valuesNullable(checker, n.expression.expression) });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return reads.filter(({ call }) => {
    if (enclosingFunction(call) !== fn) return false;
    const at = call.getStart();
    if (writes.some((w) => w.getStart() < at)) return false;
    // An inner loop around the read with a write in it comes back to the read after the write.
    for (let n: ts.Node = call.parent; n !== loop; n = n.parent) {
      if (ts.isIterationStatement(n, false) && writes.some((w) => w.pos >= n.pos && w.end <= n.end)) return false;
    }
    return true;
  });
}

/** Can the map's values themselves be undefined or null (so `?.` and `??` after a read matter)? */
export function valuesNullable(checker: ts.TypeChecker, map: ts.Expression): boolean {
  const type = checker.getTypeAtLocation(map);
  const value = (type.flags & ts.TypeFlags.Object) !== 0 ? checker.getTypeArguments(type as ts.TypeReference)[1] : undefined;
  if (!value) return true;
  const F = ts.TypeFlags;
  const parts = value.isUnion() ? value.types : [value];
  return parts.some((t) => (t.flags & (F.Undefined | F.Null | F.Void | F.Any | F.Unknown | F.TypeParameter)) !== 0);
}
