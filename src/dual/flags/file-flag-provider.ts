import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock } from '../../contract/clock.js';
import { FlagFileError } from '../../contract/errors.js';
import { DUAL_DEFAULTS } from '../dual-defaults.js';
import { parseFlagFile } from './flag-file-json.js';
import { readFlagFile } from './flag-file-read.js';
import type { ModeFlagProvider } from './mode-flag-provider.js';

export interface FileFlagProviderOptions {
  /** The key of this node in the file's `nodes` (a per-node override). */
  readonly nodeId?: string;
  /** A missing file is refused (FlagFileError `missing`) instead of "not configured". Default false. */
  readonly required?: boolean;
  /** Larger files are refused without being read whole. Default DUAL_DEFAULTS.flagFileMaxBytes. */
  readonly maxBytes?: number;
  /** A read (stat, open, read) not done within this is refused. Default DUAL_DEFAULTS.flagFileReadTimeoutMs. */
  readonly readTimeoutMs?: number;
  readonly clock?: Clock;
  /**
   * Called when `nodes` overrides other ids and not this node's (a canary elsewhere, or a typo of
   * this node's id): once per set of ids, not on every read.
   */
  readonly onOtherOverrides?: (ids: readonly string[]) => void;
}

/**
 * The flag file: JSON, `{ "mode": "shadow", "nodes": { "<nodeId>": "live" } }`, where `nodes`
 * overrides the mode per node (a canary). The directory is watched, not the file, so an editor
 * or a config-management tool that replaces the file (write to a temporary, rename) is seen too.
 * A missing file is "not configured" (unless `required`); a file that does not parse (saying
 * where), is not a regular file, is over the size cap or is not read in time is refused with a
 * FlagFileError (the binding keeps the mode).
 */
export class FileFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #path: string;
  readonly #nodeId: string | undefined;
  readonly #required: boolean;
  readonly #limits: { readonly maxBytes: number; readonly timeoutMs: number; readonly clock: Clock };
  readonly #watchers = new Set<FSWatcher>();
  readonly #onOtherOverrides: ((ids: readonly string[]) => void) | undefined;
  /** The other ids last reported, so the same file read again reports nothing. */
  #otherIds = '';

  constructor(path: string, options: FileFlagProviderOptions = {}) {
    this.#path = path;
    this.#nodeId = options.nodeId;
    this.#required = options.required ?? false;
    this.#limits = {
      maxBytes: options.maxBytes ?? DUAL_DEFAULTS.flagFileMaxBytes,
      timeoutMs: options.readTimeoutMs ?? DUAL_DEFAULTS.flagFileReadTimeoutMs,
      clock: options.clock ?? systemClock,
    };
    this.#onOtherOverrides = options.onOtherOverrides;
    this.source = `file ${path}`;
  }

  async read(): Promise<unknown> {
    let text: string;
    try {
      text = await readFlagFile(this.#path, this.#limits);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.#required) throw new FlagFileError('missing', this.#path, 'no such file');
      return undefined;
    }
    const doc = parseFlagFile(this.#path, text);
    if (!doc || typeof doc !== 'object') return doc;
    const { mode, nodes } = doc as { mode?: unknown; nodes?: Record<string, unknown> };
    if (this.#nodeId === undefined || !nodes || typeof nodes !== 'object') return mode;
    // Own properties only: a node id like `constructor` or `__proto__` is not Object.prototype's.
    const mine = Object.hasOwn(nodes, this.#nodeId);
    const ids = mine ? [] : Object.keys(nodes);
    const others = JSON.stringify(ids);
    if (ids.length > 0 && others !== this.#otherIds) this.#onOtherOverrides?.(ids);
    this.#otherIds = others;
    return mine ? nodes[this.#nodeId] : mode;
  }

  watch(onChange: () => void): () => void {
    const file = basename(this.#path);
    const watcher = watch(dirname(this.#path), { persistent: false }, (_event, name) => {
      if (name === null || name === file) onChange();
    });
    watcher.on('error', () => undefined);
    this.#watchers.add(watcher);
    return () => {
      watcher.close();
      this.#watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    for (const w of this.#watchers) w.close();
    this.#watchers.clear();
  }
}

