// Fixtures in the jscodeshift convention: `<name>.input.ts` -> `<name>.output.ts` (no output file:
// the input must come out unchanged), `<name>.report.json` for the expected status and manual
// sites, `<name>.options.json` for codemod options. Each runs on an in-memory file system, twice.
// UPDATE_FIXTURES=1 rewrites the expected files from the current behaviour (review the diff!).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { runCodemod, type FileResult } from './engine.js';
import { resolveOptions, type CodemodOptions } from './options.js';
import { inMemoryProject } from './project.js';

const dir = fileURLToPath(new URL('./__testfixtures__/', import.meta.url));
const read = (file: string): string | undefined => (existsSync(dir + file) ? readFileSync(dir + file, 'utf8') : undefined);
const support = read('support.ts')!;
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.input.ts'))
  .map((f) => f.slice(0, -'.input.ts'.length))
  .sort();
const update = process.env.UPDATE_FIXTURES === '1';

function transform(text: string, options: Partial<CodemodOptions>): { result: FileResult; diagnostics: string[] } {
  const { program, selected } = inMemoryProject({ '/fx/input.ts': text, '/fx/support.ts': support });
  const [result] = runCodemod(program, [selected[0]!], resolveOptions({ importFrom: './support.js', cwd: '/fx', ...options }));
  const out = inMemoryProject({ '/fx/input.ts': result!.after, '/fx/support.ts': support }).program;
  const diagnostics = out
    .getSemanticDiagnostics(out.getSourceFile('/fx/input.ts'))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { result: result!, diagnostics };
}

describe.each(names)('fixture %s', (name) => {
  const input = read(`${name}.input.ts`)!;
  const options = JSON.parse(read(`${name}.options.json`) ?? '{}') as Partial<CodemodOptions>;
  const first = transform(input, options);

  it('gives the expected output', () => {
    if (update) {
      if (first.result.after !== input) writeFileSync(`${dir}${name}.output.ts`, first.result.after);
      if (first.result.manualSites.length > 0 || existsSync(`${dir}${name}.report.json`)) {
        const { status, edits, manualSites } = first.result;
        writeFileSync(`${dir}${name}.report.json`, `${JSON.stringify({ status, edits, manualSites }, null, 2)}\n`);
      }
    }
    expect(first.result.error).toBeUndefined();
    expect(first.result.after).toBe(read(`${name}.output.ts`) ?? input);
  });

  it('changes nothing on a second run', () => {
    const second = transform(first.result.after, options);
    expect(second.result.after).toBe(first.result.after);
  });

  it('type-checks after', () => {
    expect(first.diagnostics).toEqual([]);
  });

  const report = read(`${name}.report.json`);
  if (report) {
    it('reports the sites that need review', () => {
      const { status, edits, manualSites } = first.result;
      expect({ status, edits, manualSites }).toEqual(JSON.parse(report));
    });
  }
});

describe('fixture inputs', () => {
  it.each(names)('%s type-checks as written', (name) => {
    const { program } = inMemoryProject({ '/fx/input.ts': read(`${name}.input.ts`)!, '/fx/support.ts': support });
    const diagnostics = program.getSemanticDiagnostics(program.getSourceFile('/fx/input.ts'));
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });
});
