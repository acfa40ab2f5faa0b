/** The three maps a legacy class holds, by role; the names are configurable. */
export type MapRole = 'connections' | 'peers' | 'lastSeen';

export const MAP_ROLES: readonly MapRole[] = ['connections', 'peers', 'lastSeen'];

/** The class the codemod writes in place of the three maps, and imports from `importFrom`. */
export const UNIFIED_CLASS = 'UnifiedPeerConnection';

/** What `UnifiedPeerConnection` calls each role's value. */
export const ENTRY_FIELD: Readonly<Record<MapRole, string>> = {
  connections: 'connection',
  peers: 'info',
  lastSeen: 'lastSeen',
};

export interface CodemodOptions {
  /** Field names of the three maps. */
  fields: Record<MapRole, string>;
  /** A map's lock field is `<map><lockSuffix>`, e.g. `peersLock`. */
  lockSuffix: string;
  /**
   * Where `UnifiedPeerConnection` is imported from. A bare module name is used as written; a path
   * starting with `.` or `/` names a file and is made relative to each edited file.
   */
  importFrom: string;
  /** Base folder for a relative `importFrom`. */
  cwd: string;
  /** Insert `// TODO(poolshift): CODE message` above each site that needs review. */
  insertTodos: boolean;
  /**
   * Opt-in fixes that change behaviour the way the unified manager does: a `connections` +
   * `peers` insert without `lastSeen` becomes one insert (lastSeen = now), and a delete of one or
   * two of the maps becomes the delete of the whole entry (the L3 fix). Reported as FIXED_* sites.
   */
  applyFixes: boolean;
}

export const DEFAULT_OPTIONS: CodemodOptions = {
  fields: { connections: 'connections', peers: 'peers', lastSeen: 'lastSeen' },
  lockSuffix: 'Lock',
  importFrom: 'poolshift',
  cwd: process.cwd(),
  insertTodos: false,
  applyFixes: false,
};

export function resolveOptions(partial: Partial<CodemodOptions> = {}): CodemodOptions {
  return {
    ...DEFAULT_OPTIONS,
    ...partial,
    fields: { ...DEFAULT_OPTIONS.fields, ...partial.fields },
  };
}

export function lockName(options: CodemodOptions, role: MapRole): string {
  return `${options.fields[role]}${options.lockSuffix}`;
}
