import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { Project, ts } from 'ts-morph';
import { gitIgnored } from './git.js';

export interface SourceSelection {
  cwd: string;
  /** tsconfig path; when absent, `tsconfig.json` in cwd if there is one. */
  project?: string | undefined;
  paths: string[];
  include: string[];
  exclude: string[];
}

export interface LoadedProject {
  project: Project;
  program: ts.Program;
  /** Absolute, `/`-separated paths of the files to edit. */
  selected: string[];
  tsconfig: string | undefined;
}

const SOURCE = /\.(?:ts|tsx|mts|cts)$/;
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
};

/**
 * Analysis only needs the project's own files and the standard library: imports that leave the
 * project are not followed (`noResolve`), and no `@types` package is loaded.
 */
const ANALYSIS_OVERRIDES: ts.CompilerOptions = { noResolve: true, types: [], noEmit: true };

export function tsconfigFor(selection: SourceSelection): string | undefined {
  if (selection.project) return path.resolve(selection.cwd, selection.project);
  const local = path.join(selection.cwd, 'tsconfig.json');
  return existsSync(local) ? local : undefined;
}

/** Loads the files the codemod may edit (and the rest of the project, to find every use). */
export function loadProject(selection: SourceSelection, forAnalysis = true): LoadedProject {
  const tsconfig = tsconfigFor(selection);
  const overrides = forAnalysis ? ANALYSIS_OVERRIDES : {};
  let project: Project;
  if (tsconfig) {
    project = new Project({ tsConfigFilePath: tsconfig, compilerOptions: overrides, skipFileDependencyResolution: true });
    // Paths outside the tsconfig's files still count when named explicitly.
    for (const p of selection.paths) addPath(project, path.resolve(selection.cwd, p), true);
  } else {
    project = new Project({ compilerOptions: { ...DEFAULT_OPTIONS, ...overrides }, skipFileDependencyResolution: true });
    for (const p of selection.paths) addPath(project, path.resolve(selection.cwd, p), false);
  }
  const roots = selection.paths.map((p) => toPosix(path.resolve(selection.cwd, p)));
  const include = selection.include.length > 0 ? picomatch(selection.include, { dot: true }) : () => true;
  const exclude = selection.exclude.length > 0 ? picomatch(selection.exclude, { dot: true }) : () => false;
  const cwd = toPosix(selection.cwd);
  let selected = project
    .getSourceFiles()
    .map((sf) => sf.getFilePath() as string)
    .filter((file) => {
      if (!SOURCE.test(file) || /\.d\.[mc]?ts$/.test(file) || file.split('/').includes('node_modules')) return false;
      if (roots.length > 0 && !roots.some((r) => file === r || file.startsWith(`${r}/`))) return false;
      const rel = path.posix.relative(cwd, file);
      return include(rel) && !exclude(rel);
    });
  const ignored = gitIgnored(selection.cwd, selected);
  if (ignored.size > 0) selected = selected.filter((f) => !ignored.has(f));
  return { project, program: project.getProgram().compilerObject, selected, tsconfig };
}

function addPath(project: Project, abs: string, onlyFiles: boolean): void {
  if (!existsSync(abs)) throw new Error(`no such file or folder: ${abs}`);
  if (statSync(abs).isDirectory()) {
    if (!onlyFiles) project.addSourceFilesAtPaths([`${toPosix(abs)}/**/*.{ts,tsx,mts,cts}`, '!**/node_modules/**', '!**/*.d.ts']);
    return;
  }
  if (!project.getSourceFile(abs)) project.addSourceFileAtPath(abs);
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** An in-memory project of the given files, for tests and fixtures. */
export function inMemoryProject(files: Record<string, string>, options: ts.CompilerOptions = {}): LoadedProject {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { ...DEFAULT_OPTIONS, ...ANALYSIS_OVERRIDES, lib: ['lib.es2023.d.ts'], ...options },
  });
  for (const [name, text] of Object.entries(files)) project.createSourceFile(name, text);
  const selected = Object.keys(files).map((f) => project.getSourceFileOrThrow(f).getFilePath() as string);
  return { project, program: project.getProgram().compilerObject, selected, tsconfig: undefined };
}
