import { ts } from 'ts-morph';
import { DEFAULT_OPTIONS, MAP_ROLES, type CodemodOptions, type MapRole } from '../options.js';

/**
 * Finds the three maps of a peer pool by their types and their use, whatever they are called:
 * `Map` fields of one class keyed alike, one whose values are sockets (they have `send`), one
 * of numbers set from a clock (`Date.now()`, `performance.now()`, `clock.now()`), one of info
 * objects. What `--detect` prints, and what a dry run suggests when no class has the names it
 * was given.
 */
export interface DetectedPool {
  file: string;
  line: number;
  className: string;
  keyType: string;
  /** The field found for each role, and why it was taken for it; a missing role is absent. */
  roles: Partial<Record<MapRole, { field: string; why: string }>>;
  /** `<map><suffix>` lock fields beside the maps, when the suffix is not the default. */
  lockSuffix?: string;
}

interface MapMember {
  name: string;
  keyType: string;
  value: ts.Type;
  valueText: string;
  sets: ts.CallExpression[];
}

// What a time reads like: a clock call, or a value named as a moment (`now`, `at`, `timestamp`).
const CLOCK = /\b(?:Date\.now|performance\.now|now|Date|getTime|hrtime|clock|time|at|timestamp|ts)\b/i;
const SOCKETISH = /socket|conn|channel|stream|transport|ws\b/i;

export function detectPeerPools(program: ts.Program, files: readonly string[]): DetectedPool[] {
  const checker = program.getTypeChecker();
  const found: DetectedPool[] = [];
  for (const fileName of files) {
    const sf = program.getSourceFile(fileName);
    if (!sf) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isClassLike(node)) found.push(...poolsIn(node, sf, checker));
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

function poolsIn(cls: ts.ClassLikeDeclaration, sf: ts.SourceFile, checker: ts.TypeChecker): DetectedPool[] {
  const members = mapMembers(cls, checker);
  const byKey = new Map<string, MapMember[]>();
  for (const m of members) byKey.set(m.keyType, [...(byKey.get(m.keyType) ?? []), m]);
  const out: DetectedPool[] = [];
  for (const [keyType, maps] of byKey) {
    if (maps.length < 2) continue;
    const roles: DetectedPool['roles'] = {};
    const taken = new Set<MapMember>();
    const take = (role: MapRole, test: (m: MapMember) => string | undefined): void => {
      for (const m of maps) {
        if (taken.has(m)) continue;
        const why = test(m);
        if (why) {
          roles[role] = { field: m.name, why };
          taken.add(m);
          return;
        }
      }
    };
    take('connections', (m) => socketLike(m, checker));
    take('lastSeen', (m) => clockNumber(m, sf));
    take('peers', (m) => infoObject(m, checker));
    const count = MAP_ROLES.filter((r) => roles[r]).length;
    // A socket map and one other are worth naming (the report says what is missing); less is not a pool.
    if (!roles.connections || count < 2) continue;
    const line = sf.getLineAndCharacterOfPosition((cls.name ?? cls).getStart(sf)).line + 1;
    const pool: DetectedPool = { file: sf.fileName, line, className: cls.name?.text ?? '(anonymous class)', keyType, roles };
    const suffix = lockSuffixOf(cls, roles.connections.field);
    if (suffix && suffix !== 'Lock') pool.lockSuffix = suffix;
    out.push(pool);
  }
  return out;
}

function mapMembers(cls: ts.ClassLikeDeclaration, checker: ts.TypeChecker): MapMember[] {
  const decls: { name: ts.Identifier; written?: string }[] = [];
  for (const m of cls.members) if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name)) decls.push({ name: m.name, written: writtenKey(m, cls) });
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  for (const p of ctor?.parameters ?? []) if (ts.isIdentifier(p.name) && ts.getModifiers(p)?.length) decls.push({ name: p.name, written: writtenKey(p, cls) });
  const out: MapMember[] = [];
  for (const { name, written } of decls) {
    const type = checker.getTypeAtLocation(name);
    if (type.getSymbol()?.getName() !== 'Map') continue;
    const args = checker.getTypeArguments(type as ts.TypeReference);
    if (args.length !== 2) continue;
    out.push({
      name: name.text,
      // As written: `ConnectionId` and `UserId` are both strings, and still not the same key.
      keyType: written ?? checker.typeToString(args[0]!),
      value: args[1]!,
      valueText: checker.typeToString(args[1]!),
      sets: setsOf(cls, name.text),
    });
  }
  return out;
}

/** The key type argument as written on the field or on a `new Map<K, V>()` that initialises it. */
function writtenKey(decl: ts.PropertyDeclaration | ts.ParameterDeclaration, cls: ts.ClassLikeDeclaration): string | undefined {
  const fromArgs = (args: ts.NodeArray<ts.TypeNode> | undefined): string | undefined => (args?.length === 2 ? args[0]!.getText().replace(/\s+/g, '') : undefined);
  if (decl.type && ts.isTypeReferenceNode(decl.type)) return fromArgs(decl.type.typeArguments);
  if (decl.initializer && ts.isNewExpression(decl.initializer)) return fromArgs(decl.initializer.typeArguments);
  const name = decl.name.getText();
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (
      !found &&
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      node.left.name.text === name &&
      ts.isNewExpression(node.right)
    ) {
      found = fromArgs(node.right.typeArguments);
    }
    ts.forEachChild(node, visit);
  };
  visit(cls);
  return found;
}

/** `this.<field>.set(...)` calls in the class, also through a local alias (`const seen = this.<field>`). */
function setsOf(cls: ts.ClassLikeDeclaration, field: string): ts.CallExpression[] {
  const isField = (e: ts.Expression): boolean =>
    ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword && e.name.text === field;
  const aliases = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.initializer) {
      if (ts.isIdentifier(node.name) && isField(node.initializer)) aliases.add(node.name.text);
      if (ts.isObjectBindingPattern(node.name) && node.initializer.kind === ts.SyntaxKind.ThisKeyword) {
        for (const el of node.name.elements) {
          if ((el.propertyName ?? el.name).getText() === field && ts.isIdentifier(el.name)) aliases.add(el.name.text);
        }
      }
    }
    ts.forEachChild(node, collect);
  };
  collect(cls);
  const out: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'set') {
      const receiver = node.expression.expression;
      if (isField(receiver) || (ts.isIdentifier(receiver) && aliases.has(receiver.text))) out.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(cls);
  return out;
}

function socketLike(m: MapMember, checker: ts.TypeChecker): string | undefined {
  const send = m.value.getProperty('send');
  if (send && checker.getTypeOfSymbol(send).getCallSignatures().length > 0) return `its values (${m.valueText}) have send()`;
  if (SOCKETISH.test(m.valueText)) return `its values are ${m.valueText}`;
  return undefined;
}

function clockNumber(m: MapMember, sf: ts.SourceFile): string | undefined {
  if (!(m.value.flags & ts.TypeFlags.NumberLike)) return undefined;
  const fromClock = m.sets.find((call) => {
    const arg = call.arguments[1];
    return arg !== undefined && CLOCK.test(arg.getText(sf));
  });
  if (!fromClock) return undefined;
  const line = sf.getLineAndCharacterOfPosition(fromClock.getStart(sf)).line + 1;
  return `numbers set from ${fromClock.arguments[1]!.getText(sf)} (line ${line})`;
}

function infoObject(m: MapMember, checker: ts.TypeChecker): string | undefined {
  const t = m.value;
  if (!(t.flags & ts.TypeFlags.Object) || t.getCallSignatures().length > 0) return undefined;
  const name = t.getSymbol()?.getName();
  if (name === 'Map' || name === 'Set' || name === 'Array' || name === 'Promise') return undefined;
  if (checker.getPropertiesOfType(t).length === 0) return undefined;
  return `its values are objects (${m.valueText})`;
}

/** `sockets` + `Lock`/`Mutex`/... when a field so named sits beside it. */
function lockSuffixOf(cls: ts.ClassLikeDeclaration, field: string): string | undefined {
  for (const m of cls.members) {
    if (!ts.isPropertyDeclaration(m) || !ts.isIdentifier(m.name)) continue;
    const n = m.name.text;
    if (n.startsWith(field) && /^(?:Lock|Mutex|Latch|Guard|_lock|_mutex)$/.test(n.slice(field.length))) return n.slice(field.length);
  }
  return undefined;
}

/**
 * The flags that name this pool's maps: those whose names differ from the defaults, so the
 * command runs as printed whatever flags the detecting run was given.
 */
export function flagsFor(pool: DetectedPool): string[] {
  const flag: Record<MapRole, string> = { connections: '--connections-field', peers: '--peers-field', lastSeen: '--last-seen-field' };
  const flags: string[] = [];
  for (const role of MAP_ROLES) {
    const field = pool.roles[role]?.field;
    if (field && field !== DEFAULT_OPTIONS.fields[role]) flags.push(flag[role], field);
  }
  if (pool.lockSuffix && pool.lockSuffix !== DEFAULT_OPTIONS.lockSuffix) flags.push('--lock-suffix', pool.lockSuffix);
  return flags;
}

/** Do the names given already match this pool (so a run with them found it)? */
export function matchesNames(pool: DetectedPool, options: CodemodOptions): boolean {
  return MAP_ROLES.every((r) => pool.roles[r]?.field === options.fields[r]);
}

/** Is it the three maps (so the codemod can run on it with these names)? */
export function isComplete(pool: DetectedPool): boolean {
  return MAP_ROLES.every((r) => pool.roles[r]);
}
