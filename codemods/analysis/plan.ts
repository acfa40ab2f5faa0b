import { ts } from 'ts-morph';
import { MAP_ROLES, type CodemodOptions, type MapRole } from '../options.js';
import { convertFieldDeclarations, fieldDeclarationBlockers } from '../patterns/field-declarations.js';
import { convertLocks } from '../patterns/lock-merge.js';
import { convertMarkSeen } from '../patterns/mark-seen.js';
import { convertTripleDelete, type GuardedDeletes } from '../patterns/triple-delete.js';
import { convertTripleInsert } from '../patterns/triple-insert.js';
import { convertPairInsert, convertPartialDelete } from '../patterns/fixes.js';
import type { ClassFindings, Conversion, PendingManual, WriteSite } from '../ast/model.js';
import { enclosingFunction, regionOf } from '../ast/syntax.js';
import { classHeldBackMessage, fixedDeleteSite, fixedInsertSite, partialDeleteSite, partialInsertSite } from './messages.js';
import { presenceGuard, removalOf } from './guarded-deletes.js';
import { findSplitInserts } from './split-inserts.js';
import { convertSplitInsert } from '../patterns/split-insert.js';

/** What happens to one class: every conversion applies, or none does. */
export interface ClassPlan {
  findings: ClassFindings;
  migrate: boolean;
  conversions: Conversion[];
  /** Sites for review; they block the class. */
  manual: PendingManual[];
  /** Conversions done with `--apply-fixes` (FIXED_* codes): reported, blocking nothing. */
  fixed: PendingManual[];
  /** Statements the migration touched: stale `// TODO(poolshift):` lines above them go. */
  touched: { file: ts.SourceFile; node: ts.Node }[];
}

/**
 * Decides one class. Writes are grouped by region, operation and key; locks are merged; and if any
 * site needs review, nothing of the class is rewritten (the old fields must stay declared for the
 * code to compile) and a CLASS_NOT_MIGRATED note goes on the class.
 */
export function planClass(
  findings: ClassFindings,
  checker: ts.TypeChecker,
  options: CodemodOptions,
  isIgnored: (m: PendingManual) => boolean,
): ClassPlan {
  const { cls } = findings;
  const manual: PendingManual[] = [...fieldDeclarationBlockers(cls), ...findings.manual];
  const conversions: Conversion[] = [...findings.conversions];

  // Messages are written once the class is decided: applied, or pending until it migrates.
  const fixed: ((applied: boolean) => PendingManual)[] = [];
  const guards = new Map<WriteSite, ts.IfStatement>();
  // Guards removed whole: the conversions of the reads in their conditions go with them.
  const dropped = new Set<ts.Node>();
  for (const w of findings.writes) {
    const guard = presenceGuard(w, checker);
    if (guard) guards.set(w, guard);
  }
  const groups = groupWrites(findings.writes, guards);
  // Inserts split between a method and one it calls (or a callback it makes): converted whole, or
  // reported once for both parts.
  const split = findSplitInserts(groups, findings, checker);
  const consumed = new Set<WriteSite[]>();
  for (const s of split.splits) {
    consumed.add(s.first).add(s.rest);
    const files = new Set([...s.first, ...s.rest].map((w) => w.file));
    const edits = convertSplitInsert(s, checker, options);
    conversions.push({ file: s.first[0]!.file, at: s.call, needsImport: true, edits: edits.slice(0, 1 + s.first.length) });
    if (files.size > 1 || s.rest[0]!.file !== s.first[0]!.file) conversions.push({ file: s.rest[0]!.file, edits: edits.slice(1 + s.first.length) });
    else conversions.at(-1)!.edits.push(...edits.slice(1 + s.first.length));
  }
  for (const r of split.reports) {
    consumed.add(r.first).add(r.rest);
    const at = lastOf(r.rest);
    manual.push({ file: at.file, node: at.statement, code: 'PARTIAL_INSERT', message: `${describePart(r.first)}, ${describePart(r.rest)}: ${r.why}` });
  }
  for (const group of groups) {
    if (consumed.has(group)) continue;
    const byRole = new Map<MapRole, WriteSite[]>();
    for (const site of group) byRole.set(site.role, [...(byRole.get(site.role) ?? []), site]);
    const one = MAP_ROLES.every((r) => byRole.get(r)?.length === 1) && group.length === 3;
    const first = group[0]!;
    const sites = { connections: byRole.get('connections')?.[0], peers: byRole.get('peers')?.[0], lastSeen: byRole.get('lastSeen')?.[0] };
    // With --apply-fixes: a connections + peers insert, or a delete of connections with or without
    // one of the others (each map once). A delete that keeps the connection is not fixed: dropping
    // the entry would drop a live connection. A site marked poolshift-ignore is left as it is.
    const fixable =
      options.applyFixes &&
      !one &&
      !!sites.connections &&
      [...byRole.values()].every((list) => list.length === 1) &&
      (first.op === 'set' ? group.length === 2 && !!sites.peers : true) &&
      !group.some((site) => isIgnored({ file: site.file, node: site.statement, code: 'PARTIAL_INSERT', message: '' }));
    const interleaved = one || fixable ? interleavedAccess(findings, group) : undefined;
    if (interleaved) {
      manual.push({ file: first.file, node: interleaved, code: 'INTERLEAVED_ACCESS', message: `\`${interleaved.getText(first.file)}\` reads the key between the writes merged here` });
      continue;
    }
    if (first.op === 'set') {
      if (one) {
        conversions.push({ file: first.file, at: first.statement, needsImport: true, edits: convertTripleInsert(sites as Record<MapRole, WriteSite>, options) });
      } else if (fixable) {
        const pair = { connections: sites.connections!, peers: sites.peers! };
        conversions.push({ file: first.file, at: first.statement, needsImport: true, edits: convertPairInsert(pair, options) });
        fixed.push((applied) => fixedInsertSite(group, options, applied));
      } else if (group.length === 1 && first.role === 'lastSeen') {
        conversions.push({ file: first.file, at: first.statement, edits: convertMarkSeen(first, options) });
      } else {
        manual.push(partialInsertSite(group, options));
      }
    } else if (one) {
      const edits = convertTripleDelete(sites as Record<MapRole, WriteSite>, options, guardedDeletes(group, guards, dropped));
      conversions.push({ file: first.file, at: first.statement, edits });
    } else if (fixable) {
      conversions.push({ file: first.file, at: first.statement, edits: convertPartialDelete(group, options) });
      const later = readAfter(findings, group);
      fixed.push((applied) => fixedDeleteSite(group, options, later, applied));
    } else {
      manual.push(partialDeleteSite(group, options));
    }
  }

  if (dropped.size > 0) {
    const inDropped = (c: Conversion): boolean =>
      !!c.at && [...dropped].some((g) => g.getSourceFile() === c.file && c.at!.pos >= g.pos && c.at!.end <= g.end);
    const reads = new Set(findings.conversions);
    const kept = conversions.filter((c) => !reads.has(c) || !inDropped(c));
    conversions.length = 0;
    conversions.push(...kept);
  }

  const locks = convertLocks(findings.acquisitions, checker, options);
  conversions.push(...locks.conversions);
  manual.push(...locks.manual);

  const blocked = manual.length > 0 || findings.outside.size > 0;
  if (!blocked) {
    conversions.push({ file: cls.file, at: cls.decl, needsImport: true, edits: convertFieldDeclarations(cls) });
    const touched = [
      { file: cls.file, node: cls.maps.connections.decl as ts.Node },
      ...conversions.flatMap((c) => (c.at ? [{ file: c.file, node: c.at }] : [])),
      ...findings.writes.map((w) => ({ file: w.file, node: w.statement as ts.Node })),
    ];
    return { findings, migrate: true, conversions, manual, fixed: fixed.map((f) => f(true)), touched };
  }
  const ignored = manual.filter(isIgnored).length;
  const outside = [...findings.outside];
  const why = [
    manual.length > 0 ? `${manual.length} site(s) marked for review${ignored ? ` (${ignored} with poolshift-ignore)` : ''}` : '',
    outside.length > 0 ? `${outside.length} file(s) outside the selection that use its maps` : '',
  ].filter(Boolean);
  const note = (file: ts.SourceFile, node: ts.Node): PendingManual => ({
    file,
    node,
    code: 'CLASS_NOT_MIGRATED',
    message: classHeldBackMessage(cls, why, options),
  });
  const notes = [note(cls.file, cls.maps.connections.decl)];
  // A file whose sites were held back for this class says so once, even with nothing to review in it.
  const withManual = new Set(manual.map((m) => m.file));
  const seen = new Set<ts.SourceFile>([cls.file]);
  for (const c of conversions) {
    if (withManual.has(c.file) || seen.has(c.file) || !c.at) continue;
    seen.add(c.file);
    notes.push(note(c.file, c.at));
  }
  // --apply-fixes still lists what it will fix once the rest is resolved, marked as not applied yet.
  return { findings, migrate: false, conversions: [], manual: [...manual, ...notes], fixed: fixed.map((f) => f(false)), touched: [] };
}

/** For a delete group holding guarded deletes: keep an unguarded one, drop guards left empty. */
function guardedDeletes(
  group: WriteSite[],
  guards: ReadonlyMap<WriteSite, ts.IfStatement>,
  dropped: Set<ts.Node>,
): GuardedDeletes | undefined {
  if (!group.some((s) => guards.has(s))) return undefined;
  const keep = [...group].sort((a, b) => a.statement.pos - b.statement.pos).filter((s) => !guards.has(s)).at(-1);
  const merged = new Set<ts.Node>(group.filter((s) => s !== keep).map((s) => s.statement));
  return {
    keep,
    removal: (site) => {
      const guard = guards.get(site);
      const removed = guard ? removalOf(site, guard, merged) : site.statement;
      if (removed === guard) dropped.add(guard);
      return removed;
    },
  };
}

/** `connections set in \`onOpen\` (line 12)`: one part of a split insert, for its report. */
function describePart(part: WriteSite[]): string {
  const first = part[0]!;
  const fn = enclosingFunction(first.statement);
  let named: ts.Node = fn;
  while (ts.isFunctionLike(named) && !named.name && !ts.isSourceFile(named.parent)) named = enclosingFunction(named);
  const method = ts.isFunctionLike(named) && named.name ? `\`${named.name.getText(first.file)}\`` : 'a function';
  const name = named === fn ? method : `a callback in ${method}`;
  const line = first.file.getLineAndCharacterOfPosition(first.statement.getStart(first.file)).line + 1;
  const roles = part.map((s) => s.role).join(', ');
  return `${roles} set in ${name} (line ${line})`;
}

function lastOf(group: WriteSite[]): WriteSite {
  return [...group].sort((a, b) => a.statement.pos - b.statement.pos).at(-1)!;
}

/**
 * A read of the key, after a fixed partial delete and in the same function, of a map the delete
 * did not touch: it used to find the value left behind; now the whole entry is gone.
 */
function readAfter(findings: ClassFindings, group: WriteSite[]): ts.Node | undefined {
  const last = lastOf(group);
  if (!last.key) return undefined;
  const roles = new Set(group.map((s) => s.role));
  const fn = enclosingFunction(last.statement);
  return findings.keyed.find(
    (k) =>
      k.file === last.file &&
      k.key === last.key &&
      !roles.has(k.role) &&
      k.node.getStart(k.file) >= last.statement.end &&
      enclosingFunction(k.node) === fn,
  )?.node;
}

/**
 * Writes that may merge: same file, region, operation and key. A delete under a guard of its own
 * map's presence belongs to the region around the guard.
 */
function groupWrites(writes: WriteSite[], guards: ReadonlyMap<WriteSite, ts.IfStatement>): WriteSite[][] {
  const groups = new Map<ts.Node, Map<string, WriteSite[]>>();
  for (const w of writes) {
    const region = regionOf(guards.get(w) ?? w.statement);
    const byKey = groups.get(region) ?? new Map<string, WriteSite[]>();
    groups.set(region, byKey);
    const k = `${w.op}\u0000${w.key}`;
    byKey.set(k, [...(byKey.get(k) ?? []), w]);
  }
  return [...groups.values()].flatMap((m) => [...m.values()]);
}

/**
 * A read or write of the same key, between the writes of a group, of a map that one of the group's
 * writes already changed: merged at the last write's place, it would see another value.
 */
function interleavedAccess(findings: ClassFindings, group: WriteSite[]): ts.Node | undefined {
  const first = group[0]!;
  if (!first.key) return undefined;
  const end = Math.max(...group.map((s) => s.statement.end));
  const fn = enclosingFunction(first.statement);
  const own = new Set<ts.Node>(group.map((s) => s.call));
  return findings.keyed.find((k) => {
    if (k.file !== first.file || k.key !== first.key || own.has(k.node) || k.node.end >= end) return false;
    const at = k.node.getStart(k.file);
    const changedBefore = group.some((s) => s.role === k.role && s.statement.end <= at);
    return changedBefore && enclosingFunction(k.node) === fn;
  })?.node;
}
