import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ModeFlagProvider } from './mode-flag-provider.js';

/**
 * The flag file: JSON, `{ "mode": "shadow", "nodes": { "<nodeId>": "live" } }`, where `nodes`
 * overrides the mode per node (a canary). The directory is watched, not the file, so an editor
 * or a config-management tool that replaces the file (write to a temporary, rename) is seen too.
 * A missing file is "not configured"; a file that does not parse is an invalid value.
 */
export class FileFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #path: string;
  readonly #nodeId: string | undefined;
  readonly #watchers = new Set<FSWatcher>();

  constructor(path: string, options: { nodeId?: string } = {}) {
    this.#path = path;
    this.#nodeId = options.nodeId;
    this.source = `file ${path}`;
  }

  async read(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { invalidJson: text.slice(0, 200) };
    }
    if (!doc || typeof doc !== 'object') return doc;
    const { mode, nodes } = doc as { mode?: unknown; nodes?: Record<string, unknown> };
    if (this.#nodeId !== undefined && nodes && typeof nodes === 'object' && this.#nodeId in nodes) return nodes[this.#nodeId];
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
