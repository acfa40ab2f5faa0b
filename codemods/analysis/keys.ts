import { ts } from 'ts-morph';
import { MAP_ROLES, type CodemodOptions } from '../options.js';
import type { PendingManual, ThreeMapClass } from '../ast/model.js';

/**
 * Three maps keyed by different things (`connections` by connection id, `peers` by user id) are
 * not the pattern: one unified entry per key needs one key. Said once, at the class, naming each
 * map's key type, instead of a list of phantom peers and partial inserts that are nothing of
 * the sort. Keys count as different when the checker finds them unrelated, or when two distinct
 * named types are written (`ConnectionId`, `UserId`, both strings, say what the author meant).
 */
export function differentKeys(cls: ThreeMapClass, checker: ts.TypeChecker, options: CodemodOptions): PendingManual | undefined {
  const keys = MAP_ROLES.map((role) => ({ role, field: cls.maps[role], text: cls.maps[role].keyType?.replace(/\s+/g, '') }));
  if (keys.some((k) => k.text === undefined)) return undefined;
  const texts = new Set(keys.map((k) => k.text));
  if (texts.size === 1) return differentKeysByUse(cls, options);
  const named = new Set(keys.filter((k) => !PRIMITIVE.has(k.text!)).map((k) => k.text));
  const types = keys.map((k) => keyTypeOf(k.field.decl, checker));
  const unrelated = types.some(
    (a, i) => a && types.some((b, j) => j > i && b && !checker.isTypeAssignableTo(a, b) && !checker.isTypeAssignableTo(b, a)),
  );
  if (named.size < 2 && !unrelated) return differentKeysByUse(cls, options);
  const list = keys.map((k) => `\`${options.fields[k.role]}\` by \`${cls.maps[k.role].keyType}\``).join(', ');
  return {
    file: cls.file,
    node: cls.decl.name ?? cls.decl,
    code: 'DIFFERENT_KEYS',
    message: `${cls.name} keys its maps differently (${list}): one unified entry per key needs one key, so this is not the three-map pattern and nothing of it is rewritten. If these ids name the same peer, key all three maps by one type and run again`,
  };
}

/**
 * Keys of one type (`string`) may still name different things: a block that sets the connection
 * under one key and the info under another (`connections.set(connId, ...)`, `peers.set(userId, ...)`)
 * while no block sets both under the same key.
 */
function differentKeysByUse(cls: ThreeMapClass, options: CodemodOptions): PendingManual | undefined {
  const { connections, peers } = options.fields;
  let apart: { conn: ts.CallExpression; peer: ts.CallExpression } | undefined;
  let together = false;
  const visit = (node: ts.Node): void => {
    if (ts.isBlock(node)) {
      const sets = (field: string): ts.CallExpression[] =>
        node.statements.flatMap((s) => (ts.isExpressionStatement(s) && isSetOf(s.expression, field) ? [s.expression] : []));
      const conns = sets(connections);
      const infos = sets(peers);
      const key = (call: ts.CallExpression): string => call.arguments[0]!.getText(cls.file);
      for (const c of conns) {
        for (const p of infos) {
          if (key(c) === key(p)) together = true;
          else apart ??= { conn: c, peer: p };
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(cls.decl);
  if (!apart || together) return undefined;
  const text = (call: ts.CallExpression): string => `\`${call.getText(cls.file).replace(/^this\./, '').replace(/,.*$/s, ', ...)')}\``;
  const line = cls.file.getLineAndCharacterOfPosition(apart.conn.getStart(cls.file)).line + 1;
  return {
    file: cls.file,
    node: cls.decl.name ?? cls.decl,
    code: 'DIFFERENT_KEYS',
    field: peers,
    message: `${cls.name} keys \`${peers}\` by something else than \`${connections}\`: ${text(apart.conn)} and ${text(apart.peer)} (line ${line}) are set under different keys, and never under the same one. One unified entry per key needs one key, so this is not the three-map pattern and nothing of it is rewritten. If the keys name the same peer, set both under it and run again`,
  };
}

function isSetOf(e: ts.Expression, field: string): e is ts.CallExpression {
  return (
    ts.isCallExpression(e) &&
    e.arguments.length === 2 &&
    ts.isPropertyAccessExpression(e.expression) &&
    e.expression.name.text === 'set' &&
    ts.isPropertyAccessExpression(e.expression.expression) &&
    e.expression.expression.expression.kind === ts.SyntaxKind.ThisKeyword &&
    e.expression.expression.name.text === field
  );
}

/**
 * The unified entry's `lastSeen` is a number (`markSeen(t)`, `isStale(ms, now)`): a last-seen map
 * of `Date`s would be converted into code that does not compile, so the class waits for a person.
 */
export function lastSeenNotNumbers(cls: ThreeMapClass, checker: ts.TypeChecker, options: CodemodOptions): PendingManual | undefined {
  const field = cls.maps.lastSeen;
  const type = field.typeArgLists[0]?.[1] ? checker.getTypeFromTypeNode(field.typeArgLists[0][1]) : valueTypeOf(field.decl, checker);
  if (!type || type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.Any)) return undefined;
  const name = options.fields.lastSeen;
  const text = field.valueType ?? checker.typeToString(type);
  return {
    file: cls.file,
    node: field.decl,
    code: 'LAST_SEEN_NOT_NUMBER',
    field: name,
    message: `\`${name}\` holds \`${text}\` values, and the unified entry's lastSeen is a number of milliseconds (markSeen(t), isStale(ms, now)): store \`Date.now()\` in \`${name}\` (and make a \`Date\` where one is read), then run again`,
  };
}

function valueTypeOf(decl: ts.Node, checker: ts.TypeChecker): ts.Type | undefined {
  const type = checker.getTypeAtLocation(ts.isPropertyDeclaration(decl) || ts.isParameter(decl) ? decl.name : decl);
  const isReference = (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
  return isReference ? checker.getTypeArguments(type as ts.TypeReference)[1] : undefined;
}

const PRIMITIVE = new Set(['string', 'number', 'bigint', 'symbol']);

function keyTypeOf(decl: ts.Node, checker: ts.TypeChecker): ts.Type | undefined {
  const type = checker.getTypeAtLocation(ts.isPropertyDeclaration(decl) || ts.isParameter(decl) ? decl.name : decl);
  const isReference = (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
  return isReference ? checker.getTypeArguments(type as ts.TypeReference)[0] : undefined;
}
