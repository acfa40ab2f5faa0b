import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock } from '../../contract/clock.js';
import { FlagFileError } from '../../contract/errors.js';
import { DUAL_DEFAULTS } from '../dual-defaults.js';
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
}

/**
 * The flag file: JSON, `{ "mode": "shadow", "nodes": { "<nodeId>": "live" } }`, where `nodes`
 * overrides the mode per node (a canary). The directory is watched, not the file, so an editor
 * or a config-management tool that replaces the file (write to a temporary, rename) is seen too.
 * A missing file is "not configured" (unless `required`); a file that does not parse is an
 * invalid value; a file that is not a regular file, is over the size cap or is not read in time
 * is refused with a FlagFileError (the binding keeps the mode).
 */
export class FileFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #path: string;
  readonly #nodeId: string | undefined;
  readonly #required: boolean;
  readonly #limits: { readonly maxBytes: number; readonly timeoutMs: number; readonly clock: Clock };
  readonly #watchers = new Set<FSWatcher>();

  constructor(path: string, options: FileFlagProviderOptions = {}) {
    this.#path = path;
    this.#nodeId = options.nodeId;
    this.#required = options.required ?? false;
    this.#limits = {
      maxBytes: options.maxBytes ?? DUAL_DEFAULTS.flagFileMaxBytes,
      timeoutMs: options.readTimeoutMs ?? DUAL_DEFAULTS.flagFileReadTimeoutMs,
      clock: options.clock ?? systemClock,
    };
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
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { invalidJson: text.slice(0, 200) };
    }
    if (!doc || typeof doc !== 'object') return doc;
    const { mode, nodes } = doc as { mode?: unknown; nodes?: Record<string, unknown> };
    // Own properties only: a node id like `constructor` or `__proto__` is not Object.prototype's.
    if (this.#nodeId !== undefined && nodes && typeof nodes === 'object' && Object.hasOwn(nodes, this.#nodeId)) return nodes[this.#nodeId];
    return mode;
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

