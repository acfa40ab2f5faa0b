/**
 * One event's listeners, held in a field of the object that emits it: nothing while there are
 * none, the function itself while there is one (nearly always: each manager subscribes once), an
 * array only from the second on. Why not an EventEmitter: a connection view has four events and
 * each manager's view holds one emitter; measured at 20k peers in shadow (heap snapshot), an
 * emitter with its `_events` object, which Node makes in dictionary mode, cost about 350 B per
 * view, 700 B per connection, more than legacy's whole entry. Four fields cost 32 B.
 *
 * What the emitter did and these functions keep: listeners run in the order added, a listener
 * added or removed while the event is being emitted does not change that emission, `remove`
 * takes off the most recently added instance of the listener, and a listener that throws stops
 * the emission and the error reaches the emitter's caller.
 */
export type Listener = (...args: unknown[]) => void;
export type ListenerSlot = Listener | Listener[] | undefined;

/** `slot` with `listener` added after the others (a listener may be added twice, as with an emitter). */
export function addListener(slot: ListenerSlot, listener: Listener): ListenerSlot {
  if (slot === undefined) return listener;
  if (typeof slot === 'function') return [slot, listener];
  // A fresh array, never the one an emission in progress iterates.
  return [...slot, listener];
}

/** `slot` without the most recently added instance of `listener` (unchanged if it is not there). */
export function removeListener(slot: ListenerSlot, listener: Listener): ListenerSlot {
  if (slot === undefined) return undefined;
  if (typeof slot === 'function') return slot === listener ? undefined : slot;
  const i = slot.lastIndexOf(listener);
  if (i < 0) return slot;
  if (slot.length === 2) return slot[1 - i]!;
  const rest = slot.slice();
  rest.splice(i, 1);
  return rest;
}

export function listenerCount(slot: ListenerSlot): number {
  return slot === undefined ? 0 : typeof slot === 'function' ? 1 : slot.length;
}

/**
 * Calls every listener of `slot` with `args`, `self` as `this` (as an emitter passes itself).
 * The arrays are never changed in place (add and remove make new ones), so iterating the one
 * read here is iterating a copy.
 */
export function emitTo(slot: ListenerSlot, self: unknown, args: readonly unknown[]): void {
  if (slot === undefined) return;
  if (typeof slot === 'function') {
    slot.apply(self, args as unknown[]);
    return;
  }
  for (const listener of slot) listener.apply(self, args as unknown[]);
}
