/**
 * The mode vocabulary of a dual-mode pool, in one place: the four modes in their forward order,
 * the two manager sides, and which side serves and which is mirrored in each mode. Pure: the
 * node's config and the flag binding read it without loading the pool (and with it both
 * managers and ws).
 */

/** The modes in their forward order: a promotion moves one step right, a rollback any number left. */
export const POOL_MODES = ['legacy', 'shadow', 'live', 'unified'] as const;
export type PoolMode = (typeof POOL_MODES)[number];

/** The mode a pool or a node starts in when nothing says otherwise. @default 'legacy' */
export const DEFAULT_MODE: PoolMode = 'legacy';

/** The two managers a dual-mode pool holds; a link has one view for each. */
export type ManagerSide = 'legacy' | 'unified';

export const MANAGER_SIDES: readonly ManagerSide[] = ['legacy', 'unified'];

/** The manager that serves reads and owns the sockets in each mode. */
export function authoritativeSide(mode: PoolMode): ManagerSide {
  return mode === 'legacy' || mode === 'shadow' ? 'legacy' : 'unified';
}

/** The manager mirrored and compared in each mode, if any. */
export function mirrorSide(mode: PoolMode): ManagerSide | undefined {
  return mode === 'shadow' ? 'unified' : mode === 'live' ? 'legacy' : undefined;
}

/** The sides a mode holds: the authoritative one, and the mirror where there is one. */
export function sidesOf(mode: PoolMode): ManagerSide[] {
  return MANAGER_SIDES.filter((s) => s === authoritativeSide(mode) || s === mirrorSide(mode));
}

export function isPoolMode(value: unknown): value is PoolMode {
  return typeof value === 'string' && (POOL_MODES as readonly string[]).includes(value);
}
