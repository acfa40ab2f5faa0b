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
  const removed: FieldInfo[] = [peers, lastSeen];
  if (cls.locks.connections) removed.push(...[cls.locks.peers, cls.locks.lastSeen].filter((l): l is FieldInfo => !!l));
  for (const field of removed) {
    edits.push(removeLines(sf.text, field.decl.getStart(sf, true), field.decl.end));
    for (const init of field.ctorInits) edits.push(removeLines(sf.text, init.getStart(sf), init.end));
  }
  return edits;
}
