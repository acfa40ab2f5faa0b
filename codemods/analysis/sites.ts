import { ts } from 'ts-morph';
import { lockName, MAP_ROLES, type CodemodOptions, type MapRole } from '../options.js';
import type { ReasonCode } from '../reasons.js';
import type { TextEdit } from '../ast/text-edits.js';
import { convertDestructuredAlias } from '../patterns/aliases.js';
import { consumesIterable, convertForEach, convertIteration, type InHandReads, type PatternResult } from '../patterns/iteration.js';
import { convertMapArgument } from '../patterns/map-argument.js';
import { convertGet, convertHasThenGet, convertKeyRead } from '../patterns/reads.js';
import { renameReceiver } from '../patterns/receiver.js';
import type { ClassFindings } from '../ast/model.js';
import { inHandReads } from './in-hand-reads.js';
import { hasThenGet, repeatedHas } from './repeated-lookups.js';
import { readOnlyParameterBlocker } from './read-only-parameter.js';
import { enclosingFunction, isAssignmentTarget, isConstDeclaration, normalizeKey, referencesTo, skipParensUp } from '../ast/syntax.js';

interface FieldRef {
  findings: ClassFindings;
  role: MapRole;
  lock: boolean;
}

/** Field and class declarations of every three-map class, for symbol lookups. */
export class Registry {
  readonly fields = new Map<ts.Node, FieldRef>();
  readonly classes = new Map<ts.Node, ClassFindings>();
  readonly names = new Set<string>();

  constructor(readonly options: CodemodOptions) {}

  add(findings: ClassFindings): void {
    const { cls } = findings;
    this.classes.set(cls.decl, findings);
    for (const role of MAP_ROLES) {
      this.fields.set(cls.maps[role].decl, { findings, role, lock: false });
      this.names.add(this.options.fields[role]);
      const lock = cls.locks[role];
      if (lock) {
        this.fields.set(lock.decl, { findings, role, lock: true });
        this.names.add(lockName(this.options, role));
      }
    }
  }

  resolve(symbol: ts.Symbol | undefined): FieldRef | undefined {
    const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    return decl ? this.fields.get(decl) : undefined;
  }
}

/**
 * Finds every use of the registered fields in one file, through the type checker, and records for
 * each either its conversion, a write to merge later, a lock acquisition, or a reason for review.
 */
export function scanFile(sf: ts.SourceFile, checker: ts.TypeChecker, registry: Registry, inSelection: boolean): void {
  const { options } = registry;
  const ctorInits = new Set<ts.Node>();
  for (const findings of registry.classes.values()) {
    const { maps, locks } = findings.cls;
    for (const f of [...Object.values(maps), ...Object.values(locks)]) for (const s of f.ctorInits) ctorInits.add(s);
  }

  const manual = (ref: FieldRef, node: ts.Node, code: ReasonCode, message: string): void => {
    ref.findings.manual.push({ file: sf, node, code, message });
  };
  const convert = (ref: FieldRef, at: ts.Node, edits: TextEdit[]): void => {
    if (edits.length > 0) ref.findings.conversions.push({ file: sf, at, edits });
  };
  /** `get` calls a loop's entry in hand answers: converted with the loop, not on their own. */
  const inHandCalls = new Set<ts.Node>();
  const fromPattern = (ref: FieldRef, at: ts.Node, result: PatternResult): void => {
    if ('edits' in result) {
      convert(ref, at, result.edits);
      for (const call of result.inHand ?? []) inHandCalls.add(call);
    } else manual(ref, at, 'UNSUPPORTED_OPERATION', result.unsupported);
  };
  /** The role of a map-valued field access of the same class, for reads by a loop's key. */
  const roleIn = (ref: FieldRef) => (receiver: ts.Expression): MapRole | undefined => {
    if (!ts.isPropertyAccessExpression(receiver)) return undefined;
    const other = registry.resolve(checker.getSymbolAtLocation(receiver.name));
    return other && !other.lock && other.findings === ref.findings ? other.role : undefined;
  };
  /** `map.forEach((v, k) => { ... })`: the reads by `k` in the callback. */
  const callbackReads = (call: ts.CallExpression, ref: FieldRef): InHandReads => {
    const fn = call.arguments[0];
    const key = fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) ? fn.parameters[1] : undefined;
    if (!key || !ts.isIdentifier(key.name) || key.initializer) return [];
    // A parameter may be reassigned, unlike a const loop key.
    const symbol = checker.getSymbolAtLocation(key.name);
    if (!symbol || referencesTo(fn!, symbol, key.name, checker).some(isAssignmentTarget)) return [];
    return inHandReads(fn as ts.ArrowFunction | ts.FunctionExpression, key.name, checker, roleIn(ref));
  };
  /** `for (const [k, ...] of <iterable>)`: the reads by `k` in its body. */
  const loopReads = (iterable: ts.Expression, ref: FieldRef): InHandReads => {
    const loop = iterable.parent;
    if (!ts.isForOfStatement(loop) || loop.expression !== iterable || !ts.isVariableDeclarationList(loop.initializer)) return [];
    // A `let` key may be reassigned in the body: a read by it may not be the entry in hand.
    if ((loop.initializer.flags & ts.NodeFlags.Const) === 0) return [];
    const name = loop.initializer.declarations[0]?.name;
    const key = name && ts.isArrayBindingPattern(name) ? name.elements[0] : undefined;
    if (!key || !ts.isBindingElement(key) || !ts.isIdentifier(key.name)) return [];
    return inHandReads(loop, key.name, checker, roleIn(ref));
  };
  const outside = (ref: FieldRef): boolean => {
    if (!inSelection) ref.findings.outside.add(sf.fileName);
    return !inSelection;
  };

  /** A map-valued expression: the field access or an alias of it. */
  const mapRef = (receiver: ts.Expression, ref: FieldRef, isAlias: boolean): void => {
    const p = receiver.parent;
    const name = ref.findings.cls.maps[ref.role].decl.name.getText(ref.findings.cls.file);
    if (ts.isVariableDeclaration(p) && p.initializer === receiver && !ts.isArrayBindingPattern(p.name)) {
      // `const { size } = this.peers` reads the size, the same on the merged map.
      if (ts.isObjectBindingPattern(p.name) && p.name.elements.every((e) => (e.propertyName ?? e.name).getText(sf) === 'size' && !e.dotDotDotToken)) {
        return convert(ref, p, convertKeyRead(receiver, ref.role, options));
      }
      if (!ts.isIdentifier(p.name)) return manual(ref, p, 'ALIAS_ESCAPES', `\`${name}\` destructured in a way the codemod cannot follow`);
      convert(ref, p, renameReceiver(receiver, ref.role, options));
      return followAlias(p.name, ref, isConstDeclaration(p));
    }
    if (isAssignmentTarget(receiver)) {
      if (!ctorInits.has(receiver.parent.parent)) manual(ref, receiver, 'MAP_REASSIGNED', `\`${name}\` is assigned here`);
      return;
    }
    operation(receiver, ref, isAlias, name);
  };

  const followAlias = (alias: ts.Identifier, ref: FieldRef, isConst: boolean): void => {
    const symbol = checker.getSymbolAtLocation(alias);
    if (!symbol) return manual(ref, alias, 'ALIAS_ESCAPES', `alias \`${alias.text}\` could not be resolved`);
    for (const use of referencesTo(enclosingFunction(alias), symbol, alias, checker)) {
      if (!isConst && isAssignmentTarget(use)) {
        manual(ref, use, 'ALIAS_ESCAPES', `alias \`${alias.text}\` is reassigned`);
        continue;
      }
      mapRef(use, ref, true);
    }
  };

  const operation = (receiver: ts.Expression, ref: FieldRef, isAlias: boolean, name: string): void => {
    const { role } = ref;
    const findings = ref.findings;
    const p = receiver.parent;
    if (ts.isPropertyAccessExpression(p) && p.expression === receiver) {
      const method = p.name.text;
      if (method === 'size') return convert(ref, p, convertKeyRead(receiver, role, options));
      const call = p.parent;
      if (ts.isCallExpression(call) && call.expression === p) {
        const key = call.arguments[0];
        switch (method) {
          case 'has':
          case 'keys': {
            if (key) findings.keyed.push({ file: sf, role, node: call, key: normalizeKey(key, sf) });
            const ternary = method === 'has' ? hasThenGet(call, receiver, roleIn(ref), checker) : undefined;
            if (ternary) {
              inHandCalls.add(ternary.get);
              return convert(ref, ternary.cond, [convertHasThenGet(ternary.cond, ternary.get, ternary.role, options)]);
            }
            const same = method === 'has' ? repeatedHas(call, receiver, roleIn(ref)) : undefined;
            if (same) return convert(ref, call, [{ start: same.end, end: skipParensUp(call).end, text: '' }]);
            return convert(ref, call, convertKeyRead(receiver, role, options));
          }
          case 'get':
            if (key) findings.keyed.push({ file: sf, role, node: call, key: normalizeKey(key, sf) });
            if (inHandCalls.has(call)) return;
            return convert(ref, call, convertGet(receiver, call, role, options));
          case 'set':
          case 'delete':
          case 'clear':
            if (!ts.isExpressionStatement(call.parent)) {
              return manual(ref, call, 'UNSUPPORTED_OPERATION', `the result of \`${name}.${method}()\` is used`);
            }
            findings.writes.push({ file: sf, role, op: method, receiver, call, statement: call.parent, key: normalizeKey(key, sf) });
            if (key) findings.keyed.push({ file: sf, role, node: call, key: normalizeKey(key, sf) });
            return;
          case 'values':
          case 'entries': {
            const reads = method === 'entries' ? loopReads(call, ref) : [];
            return fromPattern(ref, call, convertIteration(receiver, call, method, role, checker, options, reads));
          }
          case 'forEach':
            return fromPattern(ref, call, convertForEach(receiver, call, role, options, callbackReads(call, ref)));
        }
      }
      return manual(ref, p, 'UNSUPPORTED_OPERATION', `\`${name}.${method}\` has no conversion pattern`);
    }
    const iterated =
      (ts.isForOfStatement(p) && p.expression === receiver) ||
      consumesIterable(receiver) ||
      (ts.isCallExpression(p) && p.arguments[0] === receiver && p.expression.getText(sf) === 'Array.from');
    if (iterated) {
      return fromPattern(ref, receiver, convertIteration(receiver, receiver, 'entries', role, checker, options, loopReads(receiver, ref)));
    }
    let why = escapeKind(receiver);
    if (ts.isCallExpression(p) && p.expression !== receiver) {
      const blocker = readOnlyParameterBlocker(p, p.arguments.indexOf(receiver), checker);
      if (!blocker) return convert(ref, receiver, convertMapArgument(receiver, role, options));
      why = `escapes: ${blocker}`;
    }
    if (isAlias) manual(ref, receiver, 'ALIAS_ESCAPES', `alias \`${receiver.getText(sf)}\` of \`${name}\` ${why}`);
    else manual(ref, receiver, 'MAP_ESCAPES', `\`${name}\` ${why}`);
  };

  /** How a map leaves the code's hands, for the message. */
  const escapeKind = (receiver: ts.Expression): string => {
    const up = skipParensUp(receiver);
    const q = up.parent;
    if (ts.isReturnStatement(q) || (ts.isArrowFunction(q) && q.body === up)) return 'is returned';
    if ((ts.isBinaryExpression(q) && q.right === up) || ts.isPropertyAssignment(q) || ts.isShorthandPropertyAssignment(q)) return 'is stored';
    return 'escapes';
  };

  const lockRef = (access: ts.PropertyAccessExpression, ref: FieldRef): void => {
    if (isAssignmentTarget(access) && ctorInits.has(access.parent.parent)) return;
    const lockText = access.name.text;
    const method = access.parent;
    const call = method.parent;
    const awaited = call?.parent;
    if (
      ts.isPropertyAccessExpression(method) &&
      method.expression === access &&
      ts.isCallExpression(call) &&
      call.expression === method &&
      awaited &&
      ts.isAwaitExpression(awaited)
    ) {
      const holder = awaited.parent;
      if (
        ts.isVariableDeclaration(holder) &&
        ts.isIdentifier(holder.name) &&
        ts.isVariableDeclarationList(holder.parent) &&
        holder.parent.declarations.length === 1 &&
        ts.isVariableStatement(holder.parent.parent)
      ) {
        ref.findings.acquisitions.push({
          file: sf,
          role: ref.role,
          statement: holder.parent.parent,
          fieldName: access.name,
          method: method.name,
          release: checker.getSymbolAtLocation(holder.name),
          releaseIsConst: isConstDeclaration(holder),
        });
        return;
      }
      if (ts.isBinaryExpression(holder) && holder.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isExpressionStatement(holder.parent)) {
        ref.findings.acquisitions.push({
          file: sf,
          role: ref.role,
          statement: holder.parent,
          fieldName: access.name,
          method: method.name,
          release: checker.getSymbolAtLocation(holder.left),
          releaseIsConst: false,
        });
        return;
      }
    }
    manual(ref, access, 'LOCK_ESCAPES', `\`${lockText}\` is used other than \`const release = await ${lockText}.<mode>(...)\``);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && registry.names.has(node.name.text)) {
      const ref = registry.resolve(checker.getSymbolAtLocation(node.name));
      if (ref && !outside(ref)) {
        if (ref.lock) lockRef(node, ref);
        else mapRef(node, ref, false);
      }
    } else if (ts.isElementAccessExpression(node)) {
      computedAccess(node);
    } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      destructured(node);
    }
    ts.forEachChild(node, visit);
  };

  const computedAccess = (node: ts.ElementAccessExpression): void => {
    const arg = node.argumentExpression;
    if (ts.isNumericLiteral(arg)) return;
    const type = checker.getTypeAtLocation(node.expression);
    if (ts.isStringLiteralLike(arg)) {
      if (!registry.names.has(arg.text)) return;
      const ref = registry.resolve(type.getProperty(arg.text));
      if (ref && !outside(ref)) manual(ref, node, 'COMPUTED_ACCESS', `\`${node.getText(sf)}\`: write \`.${arg.text}\` so it can be converted`);
      return;
    }
    const findings = type.getSymbol()?.declarations?.map((d) => registry.classes.get(d)).find((f) => f);
    if (findings) {
      const ref: FieldRef = { findings, role: 'connections', lock: false };
      if (!outside(ref)) manual(ref, node, 'COMPUTED_ACCESS', `\`${node.getText(sf)}\` may reach the maps`);
    }
  };

  const destructured = (element: ts.BindingElement): void => {
    const nameNode = element.propertyName ?? element.name;
    if (!ts.isIdentifier(nameNode) || !registry.names.has(nameNode.text)) return;
    const ref = registry.resolve(checker.getTypeAtLocation(element.parent).getProperty(nameNode.text));
    if (!ref || outside(ref)) return;
    if (ref.lock) return manual(ref, element, 'LOCK_ESCAPES', `\`${nameNode.text}\` is destructured`);
    if (!ts.isIdentifier(element.name)) return manual(ref, element, 'ALIAS_ESCAPES', `\`${nameNode.text}\` is destructured into a pattern`);
    convert(ref, element, convertDestructuredAlias(element, ref.role, options));
    const holder = element.parent.parent;
    followAlias(element.name, ref, ts.isVariableDeclaration(holder) && isConstDeclaration(holder));
  };

  visit(sf);
}
