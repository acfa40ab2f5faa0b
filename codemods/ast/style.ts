import { ts } from 'ts-morph';

/** How a file writes what the codemod adds to it: quotes of its module names, semicolons. */
export interface FileStyle {
  quote: "'" | '"';
  /** `;` when the file ends its statements with one, '' when it leaves them out. */
  semi: ';' | '';
}

const cache = new WeakMap<ts.SourceFile, FileStyle>();

/**
 * Read from the file itself: the quote of its imports (or, with none, of most of its strings),
 * and whether most of its simple statements end with a semicolon.
 */
export function fileStyle(sf: ts.SourceFile): FileStyle {
  const cached = cache.get(sf);
  if (cached) return cached;
  let single = 0;
  let double = 0;
  let withSemi = 0;
  let without = 0;
  const importQuotes = sf.statements.filter(ts.isImportDeclaration).map((d) => sf.text[d.moduleSpecifier.getStart(sf)]);
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n)) {
      if (sf.text[n.getStart(sf)] === '"') double++;
      else single++;
    }
    if (ts.isExpressionStatement(n) || ts.isVariableStatement(n) || ts.isReturnStatement(n) || ts.isImportDeclaration(n)) {
      if (sf.text[n.end - 1] === ';') withSemi++;
      else without++;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const quote = importQuotes.length > 0 ? (importQuotes[0] === '"' ? '"' : "'") : double > single ? '"' : "'";
  const style: FileStyle = { quote, semi: without > withSemi ? '' : ';' };
  cache.set(sf, style);
  return style;
}
