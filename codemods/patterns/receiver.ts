import { ts } from 'ts-morph';
import type { CodemodOptions, MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';

/**
 * A map-valued expression after the merge: `x.peers` becomes `x.connections`; an alias keeps its
 * name (its declaration is rewritten instead).
 */
export function renameReceiver(receiver: ts.Expression, role: MapRole, options: CodemodOptions): TextEdit[] {
  if (role === 'connections' || !ts.isPropertyAccessExpression(receiver)) return [];
  return [{ start: receiver.name.getStart(), end: receiver.name.end, text: options.fields.connections }];
}

/** The text of the receiver once renamed, for patterns that write new code around it. */
export function renamedReceiverText(receiver: ts.Expression, role: MapRole, sf: ts.SourceFile, options: CodemodOptions): string {
  if (role === 'connections' || !ts.isPropertyAccessExpression(receiver)) return receiver.getText(sf);
  const object = receiver.expression.getText(sf);
  const dot = receiver.questionDotToken ? '?.' : '.';
  return `${object}${dot}${options.fields.connections}`;
}
