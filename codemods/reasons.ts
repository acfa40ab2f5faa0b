/**
 * Why a site was left for a person. Codes are stable: the README's table explains each, and
 * `// TODO(poolshift): CODE message` comments carry them.
 */
export const REASONS = {
  PHANTOM_PEER:
    'peers.set without a connection for the same key: a peer with no connection has no place in the unified map (L2)',
  PARTIAL_INSERT: 'the three maps are not all written for this key here: decide what the unified entry should hold',
  PARTIAL_DELETE:
    'only some of the three maps lose this key here: in the unified map the entry goes as a whole (L2, L3)',
  INTERLEAVED_ACCESS:
    'the key is read between the writes of one insert or delete: merging the writes would change what is read',
  ALIAS_ESCAPES: 'an alias of the map is returned, passed on, reassigned or used in a way the codemod cannot follow',
  MAP_ESCAPES: 'the map itself is returned, passed on or used in a way the codemod cannot follow',
  MAP_REASSIGNED: 'the map field is assigned outside the constructor',
  COMPUTED_ACCESS: 'the map is reached through a computed property name',
  UNSUPPORTED_OPERATION: 'a map operation with no conversion pattern (or whose result is used)',
  PARAMETER_PROPERTY: 'the map is a constructor parameter property: merging the maps would change the constructor',
  UNKNOWN_TYPES: 'the key and value types of the maps could not be read from their declarations',
  LOCK_ESCAPES: 'a map lock is used other than `const release = await lock.<mode>(...)`',
  LOCK_UNTRACKED: 'a nested lock acquisition whose release could not be followed, or no lock to merge into',
  CLASS_NOT_MIGRATED: 'the class keeps its three maps until the sites marked for review are resolved',
  FIXED_PARTIAL_INSERT:
    'converted with fix (--apply-fixes): connections and peers set together became one insert whose lastSeen is now',
  FIXED_PARTIAL_DELETE:
    'converted with fix (--apply-fixes): a delete of some of the maps became the delete of the whole entry (L2, L3)',
} as const;

export type ReasonCode = keyof typeof REASONS;

/** Codes that report a conversion done with `--apply-fixes`: listed, but nothing left to review. */
export const FIX_CODES: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['FIXED_PARTIAL_INSERT', 'FIXED_PARTIAL_DELETE']);

/** Does this site still need a person (as opposed to reporting a fix already applied)? */
export function needsReview(site: { code: ReasonCode }): boolean {
  return !FIX_CODES.has(site.code);
}

/** One place a person has to look at. Lines and columns are 1-based. */
export interface ManualSite {
  line: number;
  column: number;
  code: ReasonCode;
  message: string;
}
