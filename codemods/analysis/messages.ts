import type { ts } from 'ts-morph';
import { MAP_ROLES, type CodemodOptions, type MapRole } from '../options.js';
import type { PendingManual, ThreeMapClass, WriteSite } from '../ast/model.js';
import type { ManualSite, ReasonCode } from '../reasons.js';

/**
 * The messages of the sites `plan` reports, in the user's words: their field names, their lines,
 * and what to do. One message per problem (a partial insert is one site over all its writes).
 */

const lineOf = (file: ts.SourceFile, node: ts.Node): number => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
const byPosition = (group: readonly WriteSite[]): WriteSite[] => [...group].sort((a, b) => a.statement.pos - b.statement.pos);
const code = (text: string): string => `\`${text}\``;

/** `users.set` (line 12), `lastPong.set` (line 13) */
function writesOf(group: readonly WriteSite[], options: CodemodOptions): string {
  return byPosition(group)
    .map((s) => `${code(`${options.fields[s.role]}.${s.op}`)} (line ${lineOf(s.file, s.statement)})`)
    .join(', ');
}

function missingOf(group: readonly WriteSite[]): MapRole[] {
  const present = new Set(group.map((s) => s.role));
  return MAP_ROLES.filter((r) => !present.has(r));
}

const names = (roles: readonly MapRole[], op: string, options: CodemodOptions): string =>
  roles.map((r) => code(`${options.fields[r]}.${op}`)).join(' or ');

/** One site over the group's statements, at the first of them. */
function groupSite(group: readonly WriteSite[], code: PendingManual['code'], message: string, options: CodemodOptions, role?: MapRole): PendingManual {
  const sorted = byPosition(group);
  const first = sorted[0]!;
  const about = role ?? (sorted.length === 1 ? first.role : undefined);
  return {
    file: first.file,
    node: first.statement,
    nodes: sorted.map((s) => s.statement),
    code,
    message,
    ...(about ? { field: options.fields[about] } : {}),
  };
}

/** A set group that cannot become one entry: a phantom peer, a missing map, or a map written twice. */
export function partialInsertSite(group: readonly WriteSite[], options: CodemodOptions): PendingManual {
  const { connections: conn, peers, lastSeen } = options.fields;
  const roles = new Set(group.map((s) => s.role));
  const twice = MAP_ROLES.find((r) => group.filter((s) => s.role === r).length > 1);
  const writes = writesOf(group, options);
  if (twice) {
    return groupSite(
      group,
      'PARTIAL_INSERT',
      `${writes}: ${code(options.fields[twice])} is written twice for this key in one block; keep one write, so the codemod can merge the rest into one entry`,
      options,
      twice,
    );
  }
  if (roles.has('peers') && !roles.has('connections')) {
    return groupSite(
      group,
      'PHANTOM_PEER',
      `${writes} with no ${code(`${conn}.set`)} for this key: the unified map has no entry without a connection. Set ${code(conn)} for the key in this block too, or keep such peers in a map of their own`,
      options,
      'peers',
    );
  }
  const missing = missingOf(group);
  const fix =
    roles.has('connections') && roles.has('peers')
      ? `add ${code(`${lastSeen}.set(key, now)`)} beside them, or pass --apply-fixes (one entry whose lastSeen is now)`
      : `set ${missing.map((r) => code(options.fields[r])).join(' and ')} for the key in this block too`;
  const what = !roles.has('peers') && roles.has('connections') ? `: the unified entry needs the info from ${code(peers)}` : '';
  return groupSite(group, 'PARTIAL_INSERT', `${writes} with no ${names(missing, 'set', options)} for this key${what}; ${fix}`, options);
}

/** A delete group of one or two maps, not fixed. */
export function partialDeleteSite(group: readonly WriteSite[], options: CodemodOptions): PendingManual {
  const roles = new Set(group.map((s) => s.role));
  const op = group[0]!.op;
  const missing = missingOf(group);
  const writes = writesOf(group, options);
  const { connections: conn } = options.fields;
  const message = roles.has('connections')
    ? `${writes} with no ${names(missing, op, options)} of this key: in the unified map the entry goes as a whole. ${op === 'clear' ? 'Clear' : 'Delete'} them all here, or pass --apply-fixes to drop the whole entry`
    : `${writes} with no ${code(`${conn}.${op}`)} of this key: the connection stays, so the unified entry cannot go. Remove the connection here too (the whole entry goes), or drop these lines (the entry keeps its info and time)`;
  return groupSite(group, 'PARTIAL_DELETE', message, options);
}

export function fixedInsertSite(group: readonly WriteSite[], options: CodemodOptions, applied: boolean): PendingManual {
  const { lastSeen } = options.fields;
  return groupSite(
    group,
    'FIXED_PARTIAL_INSERT',
    `${writesOf(group, options)} with no ${code(`${lastSeen}.set`)}: ${applied ? 'now' : 'once the class migrates, becomes'} one UnifiedPeerConnection.from(connection, info) whose lastSeen is now until the next markSeen`,
    options,
  );
}

export function fixedDeleteSite(group: readonly WriteSite[], options: CodemodOptions, laterRead: ts.Node | undefined, applied: boolean): PendingManual {
  const first = group[0]!;
  const missing = missingOf(group);
  const note = laterRead
    ? `; ${code(laterRead.getText(first.file))} (line ${lineOf(first.file, laterRead)}) reads the key after it and ${applied ? 'now finds' : 'will find'} nothing`
    : '';
  return groupSite(
    group,
    'FIXED_PARTIAL_DELETE',
    `${writesOf(group, options)} with no ${names(missing, first.op, options)}: ${applied ? 'the whole entry goes' : 'once the class migrates, the whole entry goes'}${note}`,
    options,
  );
}

/** The class note: what holds it back, in its own field names. */
export function classHeldBackMessage(cls: ThreeMapClass, why: readonly string[], options: CodemodOptions): string {
  const fields = MAP_ROLES.map((r) => code(options.fields[r])).join(', ');
  return `${cls.name} keeps its maps ${fields} (nothing of the class is rewritten) until these are resolved: ${why.join('; ')}; then run again`;
}

/** A site as the report shows it: where it starts and ends, which field, the source line. */
export function reportedSite(m: PendingManual, options: CodemodOptions): ManualSite {
  const { file } = m;
  const start = file.getLineAndCharacterOfPosition(m.node.getStart(file));
  const last = (m.nodes ?? [m.node]).reduce((a, b) => (b.end > a.end ? b : a), m.node);
  const end = file.getLineAndCharacterOfPosition(last.end);
  const lineEnd = file.text.indexOf('\n', m.node.getStart(file));
  const source = file.text.slice(file.getLineStarts()[start.line], lineEnd === -1 ? undefined : lineEnd).trim();
  const field = m.field ?? (CLASS_LEVEL.has(m.code) ? undefined : fieldNamedIn(`${m.node.getText(file)} ${m.message}`, options));
  const advice = ADVICE[m.code]?.(field);
  const message = advice && !m.message.includes(advice) ? `${m.message}: ${advice}` : m.message;
  return {
    line: start.line + 1,
    column: start.character + 1,
    endLine: end.line + 1,
    endColumn: end.character + 1,
    code: m.code,
    ...(field ? { field } : {}),
    message,
    source,
  };
}

/** Codes about a whole class: they name no one field. */
const CLASS_LEVEL: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['CLASS_NOT_MIGRATED', 'DIFFERENT_KEYS']);

/**
 * What to do, for the codes whose site messages say only what was found (they are written where
 * the site is found, in sites.ts and the patterns): added once, naming the user's field.
 */
const ADVICE: Partial<Record<ReasonCode, (field: string | undefined) => string>> = {
  INTERLEAVED_ACCESS: () => 'move the read before or after the writes, then run again',
  ALIAS_ESCAPES: (f) => `use ${f ? `\`this.${f}\`` : 'the field'} directly there, or convert that code by hand`,
  MAP_ESCAPES: (f) => `give callers a method for what they need instead of ${f ? `\`${f}\`` : 'the map'} itself`,
  MAP_REASSIGNED: (f) => `call ${f ? `\`${f}.clear()\`` : '`clear()`'} instead of assigning a new map, or convert by hand`,
  COMPUTED_ACCESS: (f) => `name the field (${f ? `\`this.${f}\`` : '`this.<map>`'}) so the codemod can follow it`,
  UNSUPPORTED_OPERATION: () => 'rewrite it as one of the forms the codemod converts (see "What is rewritten"), or convert by hand',
  PARAMETER_PROPERTY: () => 'declare the maps as fields of the class instead',
  LOCK_ESCAPES: () => 'acquire it as `const release = await lock.<mode>(...)`, or convert by hand',
  LOCK_UNTRACKED: () => 'hold the release in a `const` and call it as `release();`',
};

/** The first map field (or its lock) the site's text or message names, e.g. the `peers` of `return this.peers`. */
function fieldNamedIn(text: string, options: CodemodOptions): string | undefined {
  const fields = MAP_ROLES.map((r) => options.fields[r]);
  const words = text.match(/[A-Za-z_$][\w$]*/g) ?? [];
  for (const w of words) {
    const field = fields.find((f) => w === f || w === `${f}${options.lockSuffix}`);
    if (field) return field;
  }
  return undefined;
}
