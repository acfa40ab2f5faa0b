import { ts } from 'ts-morph';

/** Skips `( ... )` around an expression, upwards. */
export function skipParensUp(node: ts.Node): ts.Node {
  let n = node;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n;
}

/** Key text without whitespace, so `k` and ` k ` group together. */
export function normalizeKey(node: ts.Node | undefined, sf: ts.SourceFile): string {
  return node ? node.getText(sf).replace(/\s+/g, '') : '';
}

export function enclosingFunction(node: ts.Node): ts.Node {
  let n: ts.Node | undefined = node.parent;
  while (n && !ts.isFunctionLike(n) && !ts.isSourceFile(n) && !ts.isClassStaticBlockDeclaration(n)) n = n.parent;
  return n ?? node.getSourceFile();
}

/** The statement (or class member) that holds `node` and starts a line of its own block. */
export function anchorStatement(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent) {
    const p = n.parent;
    if (
      ts.isBlock(p) ||
      ts.isSourceFile(p) ||
      ts.isModuleBlock(p) ||
      ts.isCaseClause(p) ||
      ts.isDefaultClause(p) ||
      ts.isClassLike(p)
    ) {
      return n;
    }
    n = p;
  }
  return n;
}

/**
 * Where a write's merge partners may sit: blocks nested in blocks and `try` blocks belong to the
 * region around them, so writes under `try { ... } finally { release() }` still group.
 */
export function regionOf(statement: ts.Statement): ts.Node {
  let n: ts.Node = statement.parent;
  for (;;) {
    if (ts.isBlock(n)) {
      const p = n.parent;
      if (ts.isBlock(p)) {
        n = p;
        continue;
      }
      if (ts.isTryStatement(p) && p.tryBlock === n && ts.isBlock(p.parent)) {
        n = p.parent;
        continue;
      }
    }
    return n;
  }
}

export function isConstDeclaration(decl: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & ts.NodeFlags.Const) !== 0;
}

/** Is `node` written to: `x = ...`, `x += ...`, `x++`? */
export function isAssignmentTarget(node: ts.Node): boolean {
  const p = skipParensUp(node).parent;
  if (ts.isBinaryExpression(p)) {
    const op = p.operatorToken.kind;
    return p.left === skipParensUp(node) && op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
  }
  return (
    (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) &&
    (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken)
  );
}

/** Identifiers under `root` that resolve to `symbol` (the declaration's own name excluded). */
export function referencesTo(
  root: ts.Node,
  symbol: ts.Symbol,
  declName: ts.Node,
  checker: ts.TypeChecker,
): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const name = symbol.getName();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.text === name && n !== declName) {
      const parent = n.parent;
      const s = ts.isShorthandPropertyAssignment(parent)
        ? checker.getShorthandAssignmentValueSymbol(parent)
        : checker.getSymbolAtLocation(n);
      if (s === symbol) out.push(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** A name not used as an identifier anywhere in `scope`. */
export function freshName(scope: ts.Node, sf: ts.SourceFile, base: string): string {
  const text = scope.getText(sf);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? base : `${base}${i}`;
    if (!new RegExp(`\\b${candidate}\\b`).test(text)) return candidate;
  }
}
