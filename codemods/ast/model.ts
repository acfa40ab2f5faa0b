import type { ts } from 'ts-morph';
import type { MapRole } from '../options.js';
import type { ReasonCode } from '../reasons.js';
import type { TextEdit } from './text-edits.js';

/** One of the three map fields of a class (or one of their lock fields). */
export interface FieldInfo {
  role: MapRole;
  decl: ts.PropertyDeclaration | ts.ParameterDeclaration;
  /** `this.<field> = ...;` statements directly in the constructor body. */
  ctorInits: ts.ExpressionStatement[];
}

export interface MapField extends FieldInfo {
  keyType: string | undefined;
  valueType: string | undefined;
  /** Every written `Map<K, V>` type argument list of the field (annotation, initializers). */
  typeArgLists: ts.NodeArray<ts.TypeNode>[];
  /** `new Map()` initializers with no type arguments. */
  untypedNews: ts.NewExpression[];
}

/** A class holding the three maps: what the codemod merges. */
export interface ThreeMapClass {
  name: string;
  decl: ts.ClassLikeDeclaration;
  file: ts.SourceFile;
  maps: Record<MapRole, MapField>;
  locks: Partial<Record<MapRole, FieldInfo>>;
}

/** A site a person must review, before it is turned into a line and column. */
export interface PendingManual {
  file: ts.SourceFile;
  node: ts.Node;
  code: ReasonCode;
  message: string;
  /** The user's name of the map it is about, for the report. */
  field?: string;
  /** Every statement of one problem (a partial insert's writes): the site spans them, one report. */
  nodes?: ts.Node[];
}

/** Edits that implement one conversion in one file. */
export interface Conversion {
  /** Where the conversion is, for messages. */
  at?: ts.Node;
  file: ts.SourceFile;
  edits: TextEdit[];
  /** The file needs `UnifiedPeerConnection` imported. */
  needsImport?: boolean;
}

/** `map.set/delete/clear(...)` as a statement: merged with its siblings by `plan`. */
export interface WriteSite {
  file: ts.SourceFile;
  role: MapRole;
  op: 'set' | 'delete' | 'clear';
  /** The map-valued expression: `this.peers` or an alias. */
  receiver: ts.Expression;
  call: ts.CallExpression;
  statement: ts.ExpressionStatement;
  /** Normalised text of the key argument ('' for clear). */
  key: string;
}

/** A read or write of one key, for the interleaving check. */
export interface KeyedAccess {
  file: ts.SourceFile;
  role: MapRole;
  node: ts.Node;
  key: string;
}

/** `const release = await this.<map>Lock.<mode>(...)`. */
export interface LockAcquisition {
  file: ts.SourceFile;
  role: MapRole;
  statement: ts.Statement;
  /** The `<map>Lock` name in the receiver, renamed when the lock merges. */
  fieldName: ts.MemberName;
  method: ts.MemberName;
  /** The variable holding the release function. */
  release: ts.Symbol | undefined;
  releaseIsConst: boolean;
}

/** Everything found for one class, across files. */
export interface ClassFindings {
  cls: ThreeMapClass;
  conversions: Conversion[];
  writes: WriteSite[];
  keyed: KeyedAccess[];
  acquisitions: LockAcquisition[];
  manual: PendingManual[];
  /** Files outside the selection that hold sites of this class. */
  outside: Set<string>;
}
