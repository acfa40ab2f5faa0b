// The README lists every error code and fault a user can match on: a code added without its row fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/contract/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const errorsTs = readFileSync(new URL('../../src/contract/errors.ts', import.meta.url), 'utf8');

/** The string literals of `export type <name> = 'a' | 'b' ...;` in errors.ts. */
function union(name: string): string[] {
  const m = new RegExp(`export type ${name} =([^;]*);`).exec(errorsTs);
  if (!m) throw new Error(`no type ${name} in errors.ts`);
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

describe('the README lists every error code a user can match on', () => {
  it.each(Object.values(ERROR_CODES))('%s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
  it.each([...union('ProtocolFault'), ...union('FlagFileFault'), ...union('HandshakeFault')])('fault %s', (fault) => {
    expect(readme).toContain(`\`${fault}\``);
  });
});
