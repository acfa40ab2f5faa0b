import type { CodemodOptions } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import type { WriteSite } from '../ast/model.js';
import { renameReceiver } from './receiver.js';

/**
 * `lastSeen.set(k, t)` alone -> `connections.get(k)?.markSeen(t)`: the unified entry is updated
 * when present, and an absent key is left absent (the fix for L1). Only the receiver, the method
 * and the comma change, so the arguments keep their bytes.
 */
export function convertMarkSeen(site: WriteSite, options: CodemodOptions): TextEdit[] {
  const sf = site.file;
  const callee = site.call.expression;
  const [key, time] = site.call.arguments;
  if (!key || !time || !('name' in callee)) return [];
  const method = callee.name as { getStart(): number; end: number };
  return [
    ...renameReceiver(site.receiver, 'lastSeen', options),
    { start: method.getStart(), end: method.end, text: 'get' },
    { start: key.end, end: time.getStart(sf), text: ')?.markSeen(' },
  ];
}
