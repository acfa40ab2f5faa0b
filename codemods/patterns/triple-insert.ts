import type { ts } from 'ts-morph';
import { UNIFIED_CLASS, type CodemodOptions } from '../options.js';
import { removeLines, type TextEdit } from '../ast/text-edits.js';
import type { WriteSite } from '../ast/model.js';
import { renamedReceiverText } from './receiver.js';

/**
 * `connections.set(k, c)`, `peers.set(k, i)`, `lastSeen.set(k, t)` in one region, any order:
 * one `connections.set(k, UnifiedPeerConnection.from(c, i, { lastSeen: t }))` where the last of
 * the three stood (so every value is in scope there); the other two statements go, their leading
 * comments stay.
 */
export function convertTripleInsert(sites: Record<'connections' | 'peers' | 'lastSeen', WriteSite>, options: CodemodOptions): TextEdit[] {
  const { connections, peers, lastSeen } = sites;
  const sf = connections.file;
  const arg = (site: WriteSite, i: number): string => site.call.arguments[i]!.getText(sf);
  const receiver = renamedReceiverText(connections.receiver, 'connections', sf, options);
  const insert =
    `${receiver}.set(${arg(connections, 0)}, ${UNIFIED_CLASS}.from(${arg(connections, 1)}, ${arg(peers, 1)}, ` +
    `{ lastSeen: ${arg(lastSeen, 1)} }))`;
  return replaceLastRemoveOthers([connections, peers, lastSeen], insert);
}

/**
 * Keeps the last statement of a write group, as `text`; removes the others (or what `removal`
 * names for one: a guard left with nothing to do). `keep` picks another statement to keep.
 */
export function replaceLastRemoveOthers(
  sites: WriteSite[],
  text: string,
  removal: (site: WriteSite) => ts.Node = (site) => site.statement,
  keep?: WriteSite,
): TextEdit[] {
  const ordered = [...sites].sort((a, b) => a.statement.pos - b.statement.pos);
  const last = keep ?? ordered.at(-1)!;
  const sf: ts.SourceFile = last.file;
  const removed = new Set(ordered.filter((s) => s !== last).map(removal));
  const edits: TextEdit[] = [...removed].map((n) => removeLines(sf.text, n.getStart(sf), n.end));
  edits.push({ start: last.statement.expression.getStart(sf), end: last.statement.expression.end, text });
  return edits;
}
