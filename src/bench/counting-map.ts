import type { MapFactory } from '../pool/pool-options.js';

/** What one pool's maps have done, counted as it happens. */
export class MapCounters {
  /** Keyed accesses: get, has, set, delete. Each is one hash lookup. */
  lookups = 0;
  /** Passes over a whole map (keys, values, entries, forEach, for-of). */
  scans = 0;
  /** Maps made through the factory. */
  maps = 0;

  reset(): void {
    this.lookups = 0;
    this.scans = 0;
  }
}

/**
 * A Map that counts its keyed accesses into shared counters: handed to a pool through the
 * `createMap` option, it makes "map lookups per operation" a count, not an estimate. Used for
 * the counting pass only; the timed runs use plain Maps.
 */
export class CountingMap<K, V> extends Map<K, V> {
  constructor(readonly counters: MapCounters) {
    super();
  }

  override get(key: K): V | undefined {
    this.counters.lookups++;
    return super.get(key);
  }

  override has(key: K): boolean {
    this.counters.lookups++;
    return super.has(key);
  }

  override set(key: K, value: V): this {
    // Map's constructor calls set for initial entries before `counters` exists; we pass none.
    this.counters.lookups++;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.counters.lookups++;
    return super.delete(key);
  }

  override keys(): MapIterator<K> {
    this.counters.scans++;
    return super.keys();
  }

  override values(): MapIterator<V> {
    this.counters.scans++;
    return super.values();
  }

  override entries(): MapIterator<[K, V]> {
    this.counters.scans++;
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    this.counters.scans++;
    return super.entries();
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.counters.scans++;
    super.forEach(fn, thisArg);
  }
}

/** A `createMap` factory whose maps all count into `counters`. */
export function countingMapFactory(counters: MapCounters): MapFactory {
  return <K, V>() => {
    counters.maps++;
    return new CountingMap<K, V>(counters);
  };
}
