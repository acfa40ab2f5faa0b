import { ts } from 'ts-morph';
import { UNIFIED_CLASS, type CodemodOptions, type MapRole } from '../options.js';
import { applyEdits, indentAt, lineStart, removeLines, type TextEdit } from '../ast/text-edits.js';
import type { WriteSite } from '../ast/model.js';
import { fileStyle } from '../ast/style.js';
import { renamedReceiverText } from './receiver.js';

/**
 * An insert split between a method and the method it calls right after (`connections.set(id, ws);
 * this.track(id, info)`, `track` setting peers and lastSeen): one
 * `connections.set(id, UnifiedPeerConnection.from(ws, info, { lastSeen: Date.now() }))` just
 * before the call, the called method's values written with the call's arguments for its
 * parameters; the writes of both parts go (the rest of the called method stays).
 */
export function convertSplitInsert(
  split: { first: WriteSite[]; rest: WriteSite[]; call: ts.ExpressionStatement; args: ReadonlyMap<ts.Symbol, string> },
  checker: ts.TypeChecker,
  options: CodemodOptions,
): TextEdit[] {
  const { first, rest, call } = split;
  const sf = first[0]!.file;
  const value = (role: MapRole): string => {
    const own = first.find((s) => s.role === role);
    if (own) return own.call.arguments[1]!.getText(sf);
    const site = rest.find((s) => s.role === role)!;
    return withArguments(site.call.arguments[1]!, split.args, checker);
  };
  const connections = [...first, ...rest].find((s) => s.role === 'connections')!;
  const receiver = first.includes(connections)
    ? renamedReceiverText(connections.receiver, 'connections', sf, options)
    : `this.${options.fields.connections}`;
  const key = first[0]!.call.arguments[0]!.getText(sf);
  const insert = `${receiver}.set(${key}, ${UNIFIED_CLASS}.from(${value('connections')}, ${value('peers')}, { lastSeen: ${value('lastSeen')} }))${fileStyle(sf).semi}`;
  const at = lineStart(sf.text, call.getStart(sf));
  const edits: TextEdit[] = [{ start: at, end: at, text: `${indentAt(sf.text, call.getStart(sf))}${insert}\n` }];
  for (const s of [...first, ...rest]) edits.push(removeLines(s.file.text, s.statement.getStart(s.file), s.statement.end));
  return edits;
}

/** The expression's text with each parameter named in `args` replaced by the argument passed. */
function withArguments(e: ts.Expression, args: ReadonlyMap<ts.Symbol, string>, checker: ts.TypeChecker): string {
  const sf = e.getSourceFile();
  const base = e.getStart(sf);
  const edits: TextEdit[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      const symbol = ts.isShorthandPropertyAssignment(n.parent) ? checker.getShorthandAssignmentValueSymbol(n.parent) : checker.getSymbolAtLocation(n);
      const arg = symbol && args.get(symbol);
      if (arg !== undefined && arg !== n.text) {
        const text = ts.isShorthandPropertyAssignment(n.parent) ? `${n.text}: ${arg}` : arg;
        edits.push({ start: n.getStart(sf) - base, end: n.end - base, text });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(e);
  return applyEdits(e.getText(sf), edits);
}
