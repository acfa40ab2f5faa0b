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
  if (texts.size === 1) return undefined;
  const named = new Set(keys.filter((k) => !PRIMITIVE.has(k.text!)).map((k) => k.text));
  const types = keys.map((k) => keyTypeOf(k.field.decl, checker));
  const unrelated = types.some(
    (a, i) => a && types.some((b, j) => j > i && b && !checker.isTypeAssignableTo(a, b) && !checker.isTypeAssignableTo(b, a)),
  );
  if (named.size < 2 && !unrelated) return undefined;
  const list = keys.map((k) => `\`${options.fields[k.role]}\` by \`${cls.maps[k.role].keyType}\``).join(', ');
  return {
    file: cls.file,
    node: cls.decl.name ?? cls.decl,
    code: 'DIFFERENT_KEYS',
    message: `${cls.name} keys its maps differently (${list}): one unified entry per key needs one key, so this is not the three-map pattern and nothing of it is rewritten. If these ids name the same peer, key all three maps by one type and run again`,
  };
}

const PRIMITIVE = new Set(['string', 'number', 'bigint', 'symbol']);

function keyTypeOf(decl: ts.Node, checker: ts.TypeChecker): ts.Type | undefined {
  const type = checker.getTypeAtLocation(ts.isPropertyDeclaration(decl) || ts.isParameter(decl) ? decl.name : decl);
  const isReference = (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0;
  return isReference ? checker.getTypeArguments(type as ts.TypeReference)[0] : undefined;
}
