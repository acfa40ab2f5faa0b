import { ts } from 'ts-morph';
import { lockName, MAP_ROLES, type CodemodOptions } from '../options.js';
import type { ManualSite } from '../reasons.js';
import { importEdit } from '../edit/imports.js';
import { isIgnored, staleTodoEdits, todoEdit } from '../edit/todos.js';
import type { TextEdit } from '../ast/text-edits.js';
import { findThreeMapClasses } from './classes.js';
import type { ClassFindings, PendingManual } from '../ast/model.js';
import { planClass } from './plan.js';
import { Registry, scanFile } from './sites.js';
import { differentKeys, lastSeenNotNumbers } from './keys.js';
import { reportedSite } from './messages.js';

/** What the codemod will do to one selected file; nothing is applied yet. */
export interface FilePlan {
  fileName: string;
  /** False when the file's text cannot hold a site and it was not walked. */
  scanned: boolean;
  /** Set when the file does not parse: it is never written. */
  error?: string;
  edits: TextEdit[];
  /** Conversions and TODO comments, counted once each. */
  editCount: number;
  manual: ManualSite[];
}

/** Called as the walk advances over the files that may hold sites. */
export type Progress = (done: number, total: number) => void;

/** Could this text hold a site? Used to skip the walk of most files. */
export function siteFilter(options: CodemodOptions): RegExp {
  const names = MAP_ROLES.flatMap((r) => [options.fields[r], lockName(options, r)]);
  return new RegExp(`\\b(?:${names.map((n) => n.replace(/[$]/g, '\\$')).join('|')})\\b`);
}

/**
 * The analysis phase: finds the three-map classes and every use of their maps in the program,
 * decides each class, and returns the edits per selected file. Files outside `selected` are read
 * only to find uses that would stop a class from being migrated.
 */
export function analyzeProgram(
  program: ts.Program,
  selected: ReadonlySet<string>,
  options: CodemodOptions,
  progress?: Progress,
): Map<string, FilePlan> {
  const checker = program.getTypeChecker();
  const filter = siteFilter(options);
  const plans = new Map<string, FilePlan>();
  const candidates: ts.SourceFile[] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf) || sf.fileName.includes('/node_modules/')) continue;
    const isSelected = selected.has(sf.fileName);
    const plan: FilePlan = { fileName: sf.fileName, scanned: false, edits: [], editCount: 0, manual: [] };
    if (isSelected) {
      plans.set(sf.fileName, plan);
      const parseErrors = program.getSyntacticDiagnostics(sf);
      if (parseErrors.length > 0) {
        const d = parseErrors[0]!;
        const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
        plan.error = `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
        continue;
      }
    }
    if (!filter.test(sf.text)) continue;
    plan.scanned = isSelected;
    candidates.push(sf);
  }

  const registry = new Registry(options);
  for (const sf of candidates) {
    if (!selected.has(sf.fileName)) continue;
    for (const cls of findThreeMapClasses(sf, checker, options)) {
      const lookAlike = differentKeys(cls, checker, options);
      if (lookAlike) {
        plans.get(sf.fileName)?.manual.push(reportedSite(lookAlike, options));
        continue;
      }
      const findings: ClassFindings = { cls, conversions: [], writes: [], keyed: [], acquisitions: [], manual: [], outside: new Set() };
      const notNumbers = lastSeenNotNumbers(cls, checker, options);
      if (notNumbers) findings.manual.push(notNumbers);
      registry.add(findings);
    }
  }
  if (registry.classes.size === 0) {
    for (const plan of plans.values()) plan.manual.sort((a, b) => a.line - b.line || a.column - b.column);
    return plans;
  }
  candidates.forEach((sf, i) => {
    scanFile(sf, checker, registry, selected.has(sf.fileName));
    progress?.(i + 1, candidates.length);
  });

  const ignored = (m: PendingManual): boolean => [m.node, ...(m.nodes ?? [])].some((n) => isIgnored(m.file, n));
  const importsNeeded = new Set<ts.SourceFile>();
  const todoSeen = new Set<string>();
  for (const findings of registry.classes.values()) {
    const plan = planClass(findings, checker, options, ignored);
    for (const c of plan.conversions) {
      const filePlan = plans.get(c.file.fileName);
      if (!filePlan) continue;
      filePlan.edits.push(...c.edits);
      filePlan.editCount++;
      if (c.needsImport) importsNeeded.add(c.file);
    }
    // Fixes applied with --apply-fixes are listed with their FIXED_* code; they get no TODO.
    for (const m of plan.fixed) {
      const filePlan = plans.get(m.file.fileName);
      if (!filePlan) continue;
      filePlan.manual.push(reportedSite(m, options));
    }
    for (const t of plan.touched) {
      const filePlan = plans.get(t.file.fileName);
      if (!filePlan) continue;
      for (const edit of staleTodoEdits(t.file, t.node)) {
        const key = `${t.file.fileName}:${edit.start}:stale`;
        if (todoSeen.has(key)) continue;
        todoSeen.add(key);
        filePlan.edits.push(edit);
        filePlan.editCount++;
      }
    }
    for (const m of plan.manual) {
      const filePlan = plans.get(m.file.fileName);
      if (!filePlan || ignored(m)) continue;
      const site = reportedSite(m, options);
      filePlan.manual.push(site);
      if (!options.insertTodos) continue;
      const todo = todoEdit(m.file, m.node, m.code, site.message);
      const key = `${m.file.fileName}:${todo?.start}:${m.code}`;
      if (todo && !todoSeen.has(key)) {
        todoSeen.add(key);
        filePlan.edits.push(todo);
        filePlan.editCount++;
      }
    }
  }
  for (const sf of importsNeeded) {
    const edit = importEdit(sf, options);
    if (edit) plans.get(sf.fileName)?.edits.push(edit);
  }
  for (const plan of plans.values()) plan.manual.sort((a, b) => a.line - b.line || a.column - b.column);
  return plans;
}
