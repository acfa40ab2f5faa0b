import { ts } from 'ts-morph';
import type { TextEdit } from '../ast/text-edits.js';
import { enclosingFunction, freshName, referencesTo } from '../ast/syntax.js';

/**
 * A scan of `lastSeen` comparing `now - t` to a threshold becomes a scan of `connections` asking
 * each entry `isStale(threshold, now)`. Applies only when every use of `t` in the loop is such a
 * comparison (`now - t > x`, `x < now - t`, or their negations `<=`, `>=`), since `isStale` is
 * strict; otherwise the loop is converted like any other iteration.
 *
 * Returns the edits for the binding and comparisons (the receiver is renamed by the caller), and
 * the entry's name.
 */
export function convertStaleScan(
  loop: ts.ForOfStatement,
  binding: ts.Identifier,
  checker: ts.TypeChecker,
): { edits: TextEdit[]; entry: string } | undefined {
  const sf = loop.getSourceFile();
  const symbol = checker.getSymbolAtLocation(binding);
  if (!symbol) return undefined;
  const refs = referencesTo(loop.statement, symbol, binding, checker);
  if (refs.length === 0) return undefined;
  const entry = freshName(enclosingFunction(loop), sf, 'entry');
  const edits: TextEdit[] = [{ start: binding.getStart(sf), end: binding.end, text: entry }];
  for (const ref of refs) {
    const comparison = staleComparison(ref);
    if (!comparison) return undefined;
    const { node, now, threshold, negated } = comparison;
    const call = `${entry}.isStale(${threshold.getText(sf)}, ${now.getText(sf)})`;
    edits.push({ start: node.getStart(sf), end: node.end, text: negated ? `!${call}` : call });
  }
  return { edits, entry };
}

interface StaleComparison {
  node: ts.BinaryExpression;
  now: ts.Expression;
  threshold: ts.Expression;
  negated: boolean;
}

function staleComparison(ref: ts.Identifier): StaleComparison | undefined {
  const minus = ref.parent;
  if (!ts.isBinaryExpression(minus) || minus.operatorToken.kind !== ts.SyntaxKind.MinusToken || minus.right !== ref) {
    return undefined;
  }
  let elapsed: ts.Node = minus;
  while (ts.isParenthesizedExpression(elapsed.parent)) elapsed = elapsed.parent;
  const cmp = elapsed.parent;
  if (!ts.isBinaryExpression(cmp)) return undefined;
  const op = cmp.operatorToken.kind;
  const K = ts.SyntaxKind;
  if (cmp.left === elapsed && (op === K.GreaterThanToken || op === K.LessThanEqualsToken)) {
    return { node: cmp, now: minus.left, threshold: cmp.right, negated: op === K.LessThanEqualsToken };
  }
  if (cmp.right === elapsed && (op === K.LessThanToken || op === K.GreaterThanEqualsToken)) {
    return { node: cmp, now: minus.left, threshold: cmp.left, negated: op === K.GreaterThanEqualsToken };
  }
  return undefined;
}
