import path from 'node:path';
import { ts } from 'ts-morph';
import { UNIFIED_CLASS, type CodemodOptions } from '../options.js';
import type { TextEdit } from '../ast/text-edits.js';
import { fileStyle } from '../ast/style.js';

/** The specifier to write in `file`: a bare module as given, a file path made relative. */
export function moduleSpecifierFor(fileName: string, options: CodemodOptions): string {
  const from = options.importFrom;
  if (!from.startsWith('.') && !path.isAbsolute(from)) return from;
  const target = path.resolve(options.cwd, from);
  let rel = path.relative(path.dirname(fileName), target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

/** Adds `UnifiedPeerConnection` to the file's imports, once. */
export function importEdit(sf: ts.SourceFile, options: CodemodOptions): TextEdit | undefined {
  const specifier = moduleSpecifierFor(sf.fileName, options);
  const imports = sf.statements.filter(ts.isImportDeclaration);
  const named = (d: ts.ImportDeclaration): ts.NamedImports | undefined => {
    const b = d.importClause?.namedBindings;
    return b && ts.isNamedImports(b) ? b : undefined;
  };
  if (imports.some((d) => named(d)?.elements.some((e) => e.name.text === UNIFIED_CLASS))) return undefined;
  const sameModule = imports.find(
    (d) => ts.isStringLiteral(d.moduleSpecifier) && d.moduleSpecifier.text === specifier && !d.importClause?.isTypeOnly && named(d),
  );
  const last = sameModule && named(sameModule)?.elements.at(-1);
  if (last) return { start: last.end, end: last.end, text: `, ${UNIFIED_CLASS}` };
  const { quote, semi } = fileStyle(sf);
  const line = `import { ${UNIFIED_CLASS} } from ${quote}${specifier}${quote}${semi}`;
  const after = imports.at(-1);
  if (after) return { start: after.end, end: after.end, text: `\n${line}` };
  const first = sf.statements[0];
  const at = first ? first.getStart(sf) : sf.text.length;
  return { start: at, end: at, text: `${line}\n\n` };
}
