import { ts } from 'ts-morph';
import { UNIFIED_CLASS } from '../options.js';
import { removeLines, type TextEdit } from '../ast/text-edits.js';
import type { FieldInfo, PendingManual, ThreeMapClass } from '../ast/model.js';

/** Reasons the declarations themselves cannot be merged (checked before anything is rewritten). */
export function fieldDeclarationBlockers(cls: ThreeMapClass): PendingManual[] {
  const out: PendingManual[] = [];
  for (const field of Object.values(cls.maps)) {
    if (ts.isParameter(field.decl)) {
      out.push({ file: cls.file, node: field.decl, code: 'PARAMETER_PROPERTY', message: `\`${field.decl.name.getText(cls.file)}\` is a constructor parameter property` });
    }
  }
  const { connections, peers } = cls.maps;
  const annotated = (f: typeof connections): boolean => !f.decl.type || f.typeArgLists.some((l) => l === (f.decl.type as ts.TypeReferenceNode).typeArguments);
  if (!connections.valueType || !peers.valueType || !connections.keyType || !annotated(connections)) {
    out.push({ file: cls.file, node: connections.decl, code: 'UNKNOWN_TYPES', message: 'write the maps as `Map<Key, Value>` so the merged type can be spelled' });
  }
  const statics = Object.values(cls.maps).filter((f) => hasModifier(f.decl, ts.SyntaxKind.StaticKeyword));
  if (statics.length > 0 && statics.length < 3) {
    out.push({
      file: cls.file,
      node: statics[0]!.decl,
      code: 'FIELD_MODIFIERS',
      message: `${statics.map((f) => `\`${f.decl.name.getText(cls.file)}\``).join(', ')} static, the others not: one merged field cannot be both`,
    });
  }
  if ((cls.locks.peers || cls.locks.lastSeen) && !cls.locks.connections) {
    out.push({ file: cls.file, node: (cls.locks.peers ?? cls.locks.lastSeen)!.decl, code: 'LOCK_UNTRACKED', message: 'no lock on the connections map to merge the other locks into' });
  }
  return out;
}

/**
 * The three map fields become one `connections: Map<K, UnifiedPeerConnection<C, I>>`; the other two
 * (and their locks, when the connections map has one) go with their constructor initialisations.
 */
export function convertFieldDeclarations(cls: ThreeMapClass): TextEdit[] {
  const sf = cls.file;
  const { connections, peers, lastSeen } = cls.maps;
  const unified = `${UNIFIED_CLASS}<${connections.valueType}, ${peers.valueType}>`;
  const edits: TextEdit[] = connections.typeArgLists.map((list) => ({ start: list[1]!.getStart(sf), end: list[1]!.end, text: unified }));
  const decl = connections.decl;
  if (!decl.type && connections.typeArgLists.length === 0) {
    const after = (ts.isPropertyDeclaration(decl) ? (decl.questionToken ?? decl.exclamationToken) : undefined) ?? decl.name;
    edits.push({ start: after.end, end: after.end, text: `: Map<${connections.keyType}, ${unified}>` });
  }
  edits.push(...widenVisibility(cls));
  const removed: FieldInfo[] = [peers, lastSeen];
  if (cls.locks.connections) removed.push(...[cls.locks.peers, cls.locks.lastSeen].filter((l): l is FieldInfo => !!l));
  for (const field of removed) {
    edits.push(removeLines(sf.text, field.decl.getStart(sf, true), field.decl.end));
    for (const init of field.ctorInits) edits.push(removeLines(sf.text, init.getStart(sf), init.end));
  }
  return edits;
}

type Visibility = 'private' | 'protected' | 'public';
const VISIBILITY_KINDS: Record<Visibility, ts.SyntaxKind> = {
  private: ts.SyntaxKind.PrivateKeyword,
  protected: ts.SyntaxKind.ProtectedKeyword,
  public: ts.SyntaxKind.PublicKeyword,
};
const WIDTH: Visibility[] = ['private', 'protected', 'public'];

function hasModifier(decl: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(decl) && (ts.getModifiers(decl)?.some((m) => m.kind === kind) ?? false);
}

function visibilityOf(decl: ts.Node): Visibility {
  return WIDTH.find((v) => hasModifier(decl, VISIBILITY_KINDS[v])) ?? 'public';
}

/**
 * The merged field is read wherever any of the three was: it takes the widest visibility of the
 * three (a private `connections` beside public `peers` read by other modules becomes public), or
 * those reads would stop compiling.
 */
function widenVisibility(cls: ThreeMapClass): TextEdit[] {
  const sf = cls.file;
  const decl = cls.maps.connections.decl;
  const widest = WIDTH[Math.max(...Object.values(cls.maps).map((f) => WIDTH.indexOf(visibilityOf(f.decl))))]!;
  const own = visibilityOf(decl);
  if (own === widest) return [];
  const modifier = ts.getModifiers(decl)?.find((m) => m.kind === VISIBILITY_KINDS[own]);
  if (!modifier) return [];
  if (widest === 'public' && !Object.values(cls.maps).some((f) => hasModifier(f.decl, ts.SyntaxKind.PublicKeyword))) {
    // Public by default: the modifier goes, the way the other fields are written.
    let end = modifier.end;
    while (sf.text[end] === ' ') end++;
    return [{ start: modifier.getStart(sf), end, text: '' }];
  }
  return [{ start: modifier.getStart(sf), end: modifier.end, text: widest }];
}
