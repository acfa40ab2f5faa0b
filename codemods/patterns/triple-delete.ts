import type { ts } from 'ts-morph';
import type { CodemodOptions } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import type { WriteSite } from '../ast/model.js';
import { renamedReceiverText } from './receiver.js';
import { replaceLastRemoveOthers } from './triple-insert.js';

/**
 * The three deletes of one key (or the three clears) in one region: one delete on `connections`
 * where the last of them stood, so reads between them still see the entry.
 */
export function convertTripleDelete(
  sites: Record<'connections' | 'peers' | 'lastSeen', WriteSite>,
  options: CodemodOptions,
  guarded?: GuardedDeletes,
): TextEdit[] {
  const c = sites.connections;
  const receiver = renamedReceiverText(c.receiver, 'connections', c.file, options);
  const args = c.call.arguments.map((a) => a.getText(c.file)).join(', ');
  return replaceLastRemoveOthers([c, sites.peers, sites.lastSeen], `${receiver}.${c.op}(${args})`, guarded?.removal, guarded?.keep);
}

/**
 * Deletes under a guard of their own map's presence (`if (info) { peers.delete(k); ... }`) merged
 * with unguarded ones: the one delete stays at the last unguarded place (`keep`), and a guard left
 * with nothing to do goes whole (`removal`).
 */
export interface GuardedDeletes {
  keep?: WriteSite;
  removal: (site: WriteSite) => ts.Node;
}
