import { ts } from 'ts-morph';
import { ENTRY_FIELD, type CodemodOptions, type MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { renameReceiver } from './receiver.js';

/** `has(k)`, `size`, `keys()` on any of the three maps: the same on `connections`. */
export function convertKeyRead(receiver: ts.Expression, role: MapRole, options: CodemodOptions): TextEdit[] {
  return renameReceiver(receiver, role, options);
}

/**
 * `peers.get(k)` -> `connections.get(k)?.info` (`?.connection`, `?.lastSeen` for the others);
 * `peers.get(k)!` -> `connections.get(k)!.info`, so a non-null assertion keeps its meaning.
 */
export function convertGet(receiver: ts.Expression, call: ts.CallExpression, role: MapRole, options: CodemodOptions): TextEdit[] {
  const field = ENTRY_FIELD[role];
  const parent = call.parent;
  const access =
    ts.isNonNullExpression(parent) && parent.expression === call
      ? { start: parent.end, end: parent.end, text: `.${field}` }
      : { start: call.end, end: call.end, text: `?.${field}` };
  return [...renameReceiver(receiver, role, options), access];
}
