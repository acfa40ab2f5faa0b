import { UNIFIED_CLASS, type CodemodOptions } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import type { WriteSite } from '../ast/model.js';
import { renamedReceiverText } from './receiver.js';
import { replaceLastRemoveOthers } from './triple-insert.js';

// The two conversions done only with `--apply-fixes`. Both change behaviour, on purpose, the way
// the unified manager does; `plan` reports each as a FIXED_* site.

/**
 * `connections.set(k, c)` and `peers.set(k, i)` in one region (no `lastSeen.set` of the key there):
 * one `connections.set(k, UnifiedPeerConnection.from(c, i))` where the later of the two stood. The
 * entry's lastSeen is now (by the entry's clock) instead of absent until the code's own
 * `lastSeen.set` (which becomes `markSeen`) runs.
 */
export function convertPairInsert(sites: { connections: WriteSite; peers: WriteSite }, options: CodemodOptions): TextEdit[] {
  const { connections, peers } = sites;
  const sf = connections.file;
  const receiver = renamedReceiverText(connections.receiver, 'connections', sf, options);
  const key = connections.call.arguments[0]!.getText(sf);
  const insert = `${receiver}.set(${key}, ${UNIFIED_CLASS}.from(${connections.call.arguments[1]!.getText(sf)}, ${peers.call.arguments[1]!.getText(sf)}))`;
  return replaceLastRemoveOthers([connections, peers], insert);
}

/**
 * A delete (or clear) of one or two of the maps: the same operation on `connections`, where the
 * last of them stood. The whole unified entry goes, which is the fix for L2/L3 (a connection
 * removed while its info, or its lastSeen, stays behind).
 */
export function convertPartialDelete(sites: WriteSite[], options: CodemodOptions): TextEdit[] {
  const last = [...sites].sort((a, b) => a.statement.pos - b.statement.pos).at(-1)!;
  const sf = last.file;
  const receiver = renamedReceiverText(last.receiver, last.role, sf, options);
  const args = last.call.arguments.map((a) => a.getText(sf)).join(', ');
  return replaceLastRemoveOthers(sites, `${receiver}.${last.op}(${args})`);
}
