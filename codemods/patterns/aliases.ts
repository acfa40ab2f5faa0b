import { ts } from 'ts-morph';
import type { CodemodOptions, MapRole } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';

/**
 * `const { peers, lastSeen } = this` -> `const { connections: peers, connections: lastSeen } = this`:
 * the local names stay, so every use through them is converted like a use of the field.
 * (`const seen = this.lastSeen` needs only its initializer renamed, done as a receiver.)
 */
export function convertDestructuredAlias(element: ts.BindingElement, role: MapRole, options: CodemodOptions): TextEdit[] {
  if (role === 'connections') return [];
  const sf = element.getSourceFile();
  if (element.propertyName) {
    return [{ start: element.propertyName.getStart(sf), end: element.propertyName.end, text: options.fields.connections }];
  }
  const start = element.name.getStart(sf);
  return [{ start, end: start, text: `${options.fields.connections}: ` }];
}
