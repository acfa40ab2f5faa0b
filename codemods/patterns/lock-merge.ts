import { ts } from 'ts-morph';
import { lockName, type CodemodOptions } from '../options.js';
import { removeLines, type TextEdit } from '../ast/text-edits.js';
import type { Conversion, LockAcquisition, PendingManual } from '../ast/model.js';
import { enclosingFunction, referencesTo } from '../ast/syntax.js';

interface Held {
  acq: LockAcquisition;
  fn: ts.Node;
  start: number;
  end: number;
}

/**
 * Three writes under three locks become the same writes under one lock. An acquisition of any of
 * the three locks made while another of them is held (same function, between the outer
 * acquisition and its release) goes, with its `release()` statements; an outermost one is
 * renamed to the connections lock, and a `read` that covered a nested `write` becomes `write`.
 * Sequential sections stay sequential, now on one lock.
 */
export function convertLocks(
  acquisitions: readonly LockAcquisition[],
  checker: ts.TypeChecker,
  options: CodemodOptions,
): { conversions: Conversion[]; manual: PendingManual[] } {
  const held = acquisitions.map((acq) => heldRange(acq, checker));
  const conversions: Conversion[] = [];
  const manual: PendingManual[] = [];
  const within = (inner: Held, outer: Held): boolean =>
    inner !== outer &&
    inner.acq.file === outer.acq.file &&
    inner.fn === outer.fn &&
    inner.acq.statement.getStart(inner.acq.file) >= outer.start &&
    inner.acq.statement.end <= outer.end;

  for (const h of held) {
    const { acq } = h;
    const sf = acq.file;
    const outer = held.find((o) => within(h, o));
    if (outer) {
      const releases = acq.release ? releaseStatements(acq, h.fn, checker) : undefined;
      if (!releases || !acq.releaseIsConst) {
        manual.push({
          file: sf,
          node: acq.statement,
          code: 'LOCK_UNTRACKED',
          message: 'nested lock acquisition: its release could not be followed, so it cannot be dropped',
        });
        continue;
      }
      const edits = [acq.statement, ...releases].map((s) => removeLines(sf.text, s.getStart(sf), s.end));
      conversions.push({ file: sf, edits });
      continue;
    }
    const edits: TextEdit[] = [];
    if (acq.role !== 'connections') {
      edits.push({ start: acq.fieldName.getStart(sf), end: acq.fieldName.end, text: lockName(options, 'connections') });
    }
    const writesInside = held.some((inner) => within(inner, h) && inner.acq.method.getText(sf) === 'write');
    if (acq.method.getText(sf) === 'read' && writesInside) {
      edits.push({ start: acq.method.getStart(sf), end: acq.method.end, text: 'write' });
    }
    if (edits.length > 0) conversions.push({ file: sf, edits });
  }
  return { conversions, manual };
}

/** From the statement after the acquisition to the first statement that calls its release. */
function heldRange(acq: LockAcquisition, checker: ts.TypeChecker): Held {
  const sf = acq.file;
  const fn = enclosingFunction(acq.statement);
  const container = acq.statement.parent as ts.Node & { statements?: ts.NodeArray<ts.Statement> };
  const statements = container.statements ?? ts.factory.createNodeArray<ts.Statement>();
  const index = statements.indexOf(acq.statement);
  const rest = statements.slice(index + 1);
  const release = acq.release;
  const releasing = release
    ? rest.find((s) => referencesTo(s, release, acq.statement, checker).some((r) => ts.isCallExpression(r.parent)))
    : undefined;
  const end = (releasing ?? rest[rest.length - 1] ?? acq.statement).end;
  const start = rest[0] ? rest[0].getStart(sf) : acq.statement.end;
  return { acq, fn, start, end };
}

/** Every `release();` statement of a nested acquisition, or undefined if it is used otherwise. */
function releaseStatements(acq: LockAcquisition, fn: ts.Node, checker: ts.TypeChecker): ts.Statement[] | undefined {
  const decl = acq.release!.valueDeclaration;
  const refs = referencesTo(fn, acq.release!, decl && ts.isVariableDeclaration(decl) ? decl.name : acq.statement, checker);
  const statements: ts.Statement[] = [];
  for (const ref of refs) {
    const call = ref.parent;
    if (!ts.isCallExpression(call) || call.expression !== ref || call.arguments.length > 0) return undefined;
    if (!ts.isExpressionStatement(call.parent)) return undefined;
    statements.push(call.parent);
  }
  return statements;
}
