// The corpus of managers written the way real projects write them (corpus/entries.ts), each run
// through the codemod as a user would and checked by its behaviour harness (run-corpus.ts).
import { describe, expect, it } from 'vitest';
import { CORPUS, type CorpusEntry } from './corpus/entries.js';
import { runEntry } from './run-corpus.js';

const entry = (name: string): CorpusEntry => CORPUS.find((e) => e.name === name)!;

describe('the codemod on the corpus of managers', () => {
  it('holds at least eight managers, some converted and some refused', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(8);
    expect(CORPUS.some((e) => 'converted' in e.expected && !e.knownGap)).toBe(true);
    expect(CORPUS.some((e) => 'refused' in e.expected)).toBe(true);
  });

  it.each(CORPUS.map((e) => [e.name, e] as const))('%s: converted or refused as expected, never wrong', async (_name, e) => {
    const r = await runEntry(e);
    if ('refused' in e.expected) {
      expect(r.outcome, r.detail).toBe('refused');
      expect(r.codes).toContain(e.expected.refused);
    } else if (e.knownGap) {
      // Recorded, not passed: when the codemod converts it, this fails until knownGap goes.
      expect(r.outcome, r.detail).toBe('known-gap');
      expect(r.codes).toContain(e.knownGap.refused);
    } else {
      expect(r.outcome, r.detail).toBe('converted');
    }
    if (e.detect) expect(r.flags.length).toBeGreaterThan(0);
  }, 120_000);

  // The checks themselves: each fires on a manager that should fail it.
  it('a conversion whose harness results differ is wrong (--apply-fixes drops the info a partial delete kept)', async () => {
    const r = await runEntry({ ...entry('partial-delete'), expected: { converted: true }, applyFixes: true });
    expect(r.outcome).toBe('wrong');
    expect(r.detail).toMatch(/^harness differs: before .*"k".* after /);
  }, 120_000);

  it('a refusal with another reason than the one expected is wrong', async () => {
    const r = await runEntry({ ...entry('look-alike-keys'), expected: { refused: 'PHANTOM_PEER' } });
    expect(r.outcome).toBe('wrong');
    expect(r.detail).toBe('refused with DIFFERENT_KEYS, expected PHANTOM_PEER');
  }, 120_000);

  it('a conversion of a manager expected to be refused is wrong', async () => {
    const r = await runEntry({ ...entry('presence-tracker'), expected: { refused: 'PARTIAL_INSERT' } });
    expect(r.outcome).toBe('wrong');
    expect(r.detail).toBe('converted, expected refused with PARTIAL_INSERT');
  }, 120_000);
});
