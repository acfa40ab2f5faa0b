import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
  program: ts.Program;
  /** Absolute, `/`-separated paths of the files to edit. */
  selected: string[];
  tsconfig: string | undefined;
  /** Root files and options, to build the program again (e.g. to verify the output). */
  rootNames: string[];
  options: ts.CompilerOptions;
}

const SOURCE = /\.(?:ts|tsx|mts|cts)$/;
const DECLARATION = /\.d\.[mc]?ts$/;
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

/**
 * Loads the files the codemod may edit, and the rest of the project to find every use. The
 * program is built with the compiler API ts-morph ships (its Project wrappers cost four times as
 * much to load 2,000 files); the standard library comes from ts-morph's bundled lib files.
 */
export function loadProject(selection: SourceSelection, mayHoldSites: RegExp = /./): LoadedProject {
  const tsconfig = tsconfigFor(selection);
  let rootNames: string[];
  let options: ts.CompilerOptions;
  if (tsconfig) {
    const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    } });
    if (!parsed) throw new Error(`cannot read ${tsconfig}`);
    rootNames = parsed.fileNames.map(toPosix);
    options = parsed.options;
  } else {
    rootNames = [];
    options = DEFAULT_OPTIONS;
  }
  const known = new Set(rootNames);
  for (const p of selection.paths) {
    for (const file of sourceFilesAt(path.resolve(selection.cwd, p))) {
      if (known.has(file)) continue;
      known.add(file);
      rootNames.push(file);
    }
  }
  // Only files whose text may hold a site are parsed, with the project files they import.
  const project = new Set(rootNames);
  const candidates = rootNames.filter((f) => mayHoldSites.test(readFileSync(f, 'utf8')));
  const program = createProgram(candidates, { ...options, ...ANALYSIS_OVERRIDES, noResolve: false, lib: analysisLib(options) }, undefined, project);
  const roots = selection.paths.map((p) => toPosix(path.resolve(selection.cwd, p)));
  const include = selection.include.length > 0 ? picomatch(selection.include, { dot: true }) : () => true;
  const exclude = selection.exclude.length > 0 ? picomatch(selection.exclude, { dot: true }) : () => false;
  const cwd = toPosix(selection.cwd);
  let selected = rootNames.filter((file) => {
    if (!SOURCE.test(file) || DECLARATION.test(file) || file.split('/').includes('node_modules')) return false;
    if (roots.length > 0 && !roots.some((r) => file === r || file.startsWith(`${r}/`))) return false;
    const rel = path.posix.relative(cwd, file);
    return include(rel) && !exclude(rel);
  });
  selected.sort();
  const ignored = gitIgnored(selection.cwd, selected);
  if (ignored.size > 0) selected = selected.filter((f) => !ignored.has(f));
  return { program, selected, tsconfig, rootNames, options };
}

/** The project's program with full module resolution, some files replaced by new texts. */
export function fullProgram(loaded: LoadedProject, texts: ReadonlyMap<string, string>): ts.Program {
  return createProgram(loaded.rootNames, { ...loaded.options, noEmit: true }, texts);
}

/** The ECMAScript libs of the project, without the DOM: its types never hold a map field. */
function analysisLib(options: ts.CompilerOptions): string[] {
  if (options.lib) return options.lib.map((l) => path.basename(l)).filter((l) => !/dom|webworker|scripthost/i.test(l));
  return [ts.getDefaultLibFileName(options).replace('.full.d.ts', '.d.ts')];
}

const LIB_FOLDER = '/node_modules/typescript/lib';
let libCache: { key: string; files: Map<string, ts.SourceFile> } | undefined;

/** Parsed standard library files for `options`, from ts-morph's in-memory copy. */
function libFiles(options: ts.CompilerOptions): Map<string, ts.SourceFile> {
  const key = JSON.stringify([options.target, options.lib]);
  if (libCache?.key === key) return libCache.files;
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { target: options.target, lib: options.lib, noEmit: true } });
  project.createSourceFile('/lib-probe.ts', '');
  const program = project.getProgram().compilerObject;
  const files = new Map(program.getSourceFiles().filter((sf) => program.isSourceFileDefaultLibrary(sf)).map((sf) => [sf.fileName, sf]));
  libCache = { key, files };
  return files;
}

function createProgram(
  rootNames: string[],
  options: ts.CompilerOptions,
  texts?: ReadonlyMap<string, string>,
  onlyWithin?: ReadonlySet<string>,
): ts.Program {
  const libs = libFiles(options);
  const host = ts.createCompilerHost(options, true);
  if (onlyWithin) {
    // Imports are followed into the project's own files only, never into dependencies.
    host.resolveModuleNames = (names, containingFile) =>
      names.map((name) => {
        const resolved = ts.resolveModuleName(name, containingFile, options, host).resolvedModule;
        return resolved && onlyWithin.has(toPosix(resolved.resolvedFileName)) ? resolved : undefined;
      });
  }
  const { getSourceFile, fileExists, readFile } = host;
  host.getDefaultLibLocation = () => LIB_FOLDER;
  host.getDefaultLibFileName = (o) => `${LIB_FOLDER}/${ts.getDefaultLibFileName(o)}`;
  host.fileExists = (f) => libs.has(f) || texts?.has(f) === true || fileExists.call(host, f);
  host.readFile = (f) => libs.get(f)?.text ?? texts?.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const lib = libs.get(f);
    if (lib) return lib;
    const text = texts?.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, language, true);
    return getSourceFile.call(host, f, language, onError, create);
  };
  return ts.createProgram({ rootNames, options, host });
}

function sourceFilesAt(abs: string): string[] {
  if (!existsSync(abs)) throw new Error(`no such file or folder: ${abs}`);
  if (!statSync(abs).isDirectory()) return [toPosix(abs)];
  const out: string[] = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(abs, entry.name);
    if (entry.isDirectory()) out.push(...sourceFilesAt(full));
    else if (SOURCE.test(entry.name) && !DECLARATION.test(entry.name)) out.push(toPosix(full));
  }
  return out;
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
  return { program: project.getProgram().compilerObject, selected, tsconfig: undefined, rootNames: selected, options: project.getCompilerOptions() };
}
