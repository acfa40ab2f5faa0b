import type { ts } from 'ts-morph';
import { ENTRY_FIELD, type CodemodOptions, type MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { renamedReceiverText } from './receiver.js';

/**
 * A map passed to a function that only reads it (checked by the analysis) gets a map of the same
 * keys and values, built from the unified entries: `describe(this.peers)` ->
 * `describe(new Map(Array.from(this.connections, ([key, entry]) => [key, entry.info] ...)))`.
 * A copy per call (one pass over the entries): the function reads what it read before.
 */
export function convertMapArgument(receiver: ts.Expression, role: MapRole, options: CodemodOptions): TextEdit[] {
  const sf = receiver.getSourceFile();
  const map = renamedReceiverText(receiver, role, sf, options);
  const text = `new Map(Array.from(${map}, ([key, entry]) => [key, entry.${ENTRY_FIELD[role]}] satisfies [unknown, unknown]))`;
  return [{ start: receiver.getStart(sf), end: receiver.end, text }];
}
