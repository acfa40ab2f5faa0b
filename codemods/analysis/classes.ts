import { ts } from 'ts-morph';
import { lockName, MAP_ROLES, type CodemodOptions, type MapRole } from '../options.js';
import type { FieldInfo, MapField, ThreeMapClass } from '../ast/model.js';

type Member = ts.PropertyDeclaration | ts.ParameterDeclaration;

/** Classes in `sf` that declare all three map fields (property, constructor-assigned or parameter). */
export function findThreeMapClasses(sf: ts.SourceFile, checker: ts.TypeChecker, options: CodemodOptions): ThreeMapClass[] {
  const found: ThreeMapClass[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassLike(node)) {
      const cls = asThreeMapClass(node, sf, checker, options);
      if (cls) found.push(cls);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function asThreeMapClass(
  decl: ts.ClassLikeDeclaration,
  sf: ts.SourceFile,
  checker: ts.TypeChecker,
  options: CodemodOptions,
): ThreeMapClass | undefined {
  const members = new Map<string, Member>();
  const ctor = decl.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  for (const m of decl.members) {
    if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name)) members.set(m.name.text, m);
  }
  for (const p of ctor?.parameters ?? []) {
    if (ts.isIdentifier(p.name) && ts.getModifiers(p)?.length) members.set(p.name.text, p);
  }
  if (!MAP_ROLES.every((role) => members.has(options.fields[role]))) return undefined;

  const ctorStatements: readonly ts.Statement[] = ctor?.body?.statements ?? [];
  const ctorInits = (name: string): ts.ExpressionStatement[] =>
    ctorStatements.filter(
      (s: ts.Statement): s is ts.ExpressionStatement =>
        ts.isExpressionStatement(s) &&
        ts.isBinaryExpression(s.expression) &&
        s.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(s.expression.left) &&
        s.expression.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
        s.expression.left.name.text === name,
    );

  const maps = {} as Record<MapRole, MapField>;
  const locks: Partial<Record<MapRole, FieldInfo>> = {};
  for (const role of MAP_ROLES) {
    const name = options.fields[role];
    const member = members.get(name)!;
    maps[role] = mapField(role, member, ctorInits(name), sf, checker);
    const lock = members.get(lockName(options, role));
    if (lock) locks[role] = { role, decl: lock, ctorInits: ctorInits(lockName(options, role)) };
  }
  const name = decl.name?.text ?? '(anonymous class)';
  return { name, decl, file: sf, maps, locks };
}

function mapField(
  role: MapRole,
  decl: Member,
  ctorInits: ts.ExpressionStatement[],
  sf: ts.SourceFile,
  checker: ts.TypeChecker,
): MapField {
  const typeArgLists: ts.NodeArray<ts.TypeNode>[] = [];
  const untypedNews: ts.NewExpression[] = [];
  if (decl.type && ts.isTypeReferenceNode(decl.type) && decl.type.typeArguments?.length === 2) {
    typeArgLists.push(decl.type.typeArguments);
  }
  const initializers = [decl.initializer, ...ctorInits.map((s) => (s.expression as ts.BinaryExpression).right)];
  for (const init of initializers) {
    if (init && ts.isNewExpression(init)) {
      if (init.typeArguments?.length === 2) typeArgLists.push(init.typeArguments);
      else if (!init.typeArguments) untypedNews.push(init);
    }
  }
  let keyType: string | undefined;
  let valueType: string | undefined;
  const written = typeArgLists[0];
  if (written) {
    keyType = written[0]!.getText(sf);
    valueType = written[1]!.getText(sf);
  } else {
    // No written type: ask the checker, and accept only what reads as plain source text.
    const type = checker.getTypeAtLocation(decl.name);
    const isReference = (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
    const args = isReference ? checker.getTypeArguments(type as ts.TypeReference) : undefined;
    if (args?.length === 2) {
      const [k, v] = args.map((t) => checker.typeToString(t, decl, ts.TypeFormatFlags.NoTruncation));
      if (k && v && !/\bany\b|import\(/.test(k + v)) {
        keyType = k;
        valueType = v;
      }
    }
  }
  return { role, decl, ctorInits, keyType, valueType, typeArgLists, untypedNews };
}
