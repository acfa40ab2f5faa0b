/**
 * Why a site was left for a person. Codes are stable: the README's table explains each, and
 * `// TODO(poolshift): CODE message` comments carry them. Each site's own message names the
 * user's fields and lines; these are the one-line summaries.
 */
export const REASONS = {
  PHANTOM_PEER: 'an info map written for a key with no connection written beside it: the unified map has no entry without a connection',
  PARTIAL_INSERT: 'the maps are not all written for this key here: decide what the unified entry should hold',
  PARTIAL_DELETE: 'only some of the maps lose this key here: in the unified map the entry goes as a whole',
  INTERLEAVED_ACCESS:
    'the key is read between the writes of one insert or delete: merging the writes would change what is read',
  ALIAS_ESCAPES: 'an alias of the map is returned, passed on, reassigned or used in a way the codemod cannot follow',
  MAP_ESCAPES: 'the map itself is returned, passed on or used in a way the codemod cannot follow',
  MAP_REASSIGNED: 'the map field is assigned outside the constructor',
  COMPUTED_ACCESS: 'the map is reached through a computed property name',
  UNSUPPORTED_OPERATION: 'a map operation with no conversion pattern (or whose result is used)',
  PARAMETER_PROPERTY: 'the map is a constructor parameter property: merging the maps would change the constructor',
  UNKNOWN_TYPES: 'the key and value types of the maps could not be read from their declarations',
  LAST_SEEN_NOT_NUMBER: 'the last-seen map holds something else than numbers: the unified entry keeps milliseconds',
  DIFFERENT_KEYS: 'the maps are not keyed by the same thing: not the three-map pattern, left as it is',
  LOCK_ESCAPES: 'a map lock is used other than `const release = await lock.<mode>(...)`',
  FIELD_MODIFIERS: 'the three map fields differ in a way one merged field cannot keep (some static, some not)',
  LOCK_UNTRACKED: 'a nested lock acquisition whose release could not be followed, or no lock to merge into',
  CLASS_NOT_MIGRATED: 'the class keeps its maps until the sites marked for review are resolved',
  FIXED_PARTIAL_INSERT:
    'converted with fix (--apply-fixes): a connection and its info set together became one entry whose lastSeen is now',
  FIXED_PARTIAL_DELETE: 'converted with fix (--apply-fixes): a delete of some of the maps became the delete of the whole entry',
} as const;

export type ReasonCode = keyof typeof REASONS;

/** Codes that report a conversion done with `--apply-fixes`: listed, but nothing left to review. */
export const FIX_CODES: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['FIXED_PARTIAL_INSERT', 'FIXED_PARTIAL_DELETE']);

/**
 * Codes that say a class is not the pattern at all: told once, at the class, and nothing to
 * review (the class is not a peer pool the codemod should merge).
 */
export const NOT_THE_PATTERN: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['DIFFERENT_KEYS']);

/** Does this site still need a person (as opposed to reporting a fix, or a class that is not the pattern)? */
export function needsReview(site: { code: ReasonCode }): boolean {
  return !FIX_CODES.has(site.code) && !NOT_THE_PATTERN.has(site.code);
}

/**
 * One place a person has to look at. Lines and columns are 1-based; `line`..`endLine` covers
 * every statement of the problem (a partial insert is one site over its writes). After
 * `--write`, positions are those of the written file.
 */
export interface ManualSite {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: ReasonCode;
  /** The user's name of the map the site is about, when it is about one. */
  field?: string;
  message: string;
  /** The source line at `line`, trimmed. */
  source: string;
}
