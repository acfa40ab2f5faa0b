import { ts } from 'ts-morph';

/** `code message` of each diagnostic of each file, for a before/after comparison that ignores positions. */
export function diagnosticsOf(program: ts.Program, files: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const list = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    out.set(
      file,
      list.map((d) => {
        const pos = d.start === undefined ? '' : `${sf.getLineAndCharacterOfPosition(d.start).line + 1}: `;
        return `${pos}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      }),
    );
  }
  return out;
}

/** Diagnostics present after and not before (compared without their line), per file. */
export function introducedDiagnostics(before: Map<string, string[]>, after: Map<string, string[]>): Map<string, string[]> {
  const strip = (d: string): string => d.replace(/^\d+: /, '');
  const introduced = new Map<string, string[]>();
  for (const [file, list] of after) {
    const remaining = new Map<string, number>();
    for (const d of before.get(file) ?? []) remaining.set(strip(d), (remaining.get(strip(d)) ?? 0) + 1);
    const fresh = list.filter((d) => {
      const n = remaining.get(strip(d)) ?? 0;
      if (n > 0) remaining.set(strip(d), n - 1);
      return n === 0;
    });
    if (fresh.length > 0) introduced.set(file, fresh);
  }
  return introduced;
}
