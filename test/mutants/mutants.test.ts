// The mutation suite's bookkeeping, fast (no build, no rehearsal): the catalog and the patches
// agree, every patch still applies to today's unified/ and changes it, and every area has a bug.
// The suite itself runs with `npm run mutants` (test/mutants/run.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREAS, MUTANTS } from './catalog.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const patches = join(root, 'test/mutants/patches');
const patchFiles = readdirSync(patches).filter((f) => f.endsWith('.patch')).sort();

let scratch: string;

/** A fresh copy of unified/ in its own git repository (so `git apply` patches it, never /work). */
function freshCopy(name: string): string {
  const dir = join(scratch, name);
  cpSync(join(root, 'unified'), join(dir, 'unified'), { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

function gitApply(dir: string, args: string[]): { ok: boolean; stderr: string } {
  try {
    execFileSync('git', ['apply', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, stderr: '' };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: Buffer }).stderr ?? err) };
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'poolshift-mutants-test-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('mutation suite catalog', () => {
  it('has at least 12 mutants with unique ids of the form NN-short-name', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(12);
    const ids = MUTANTS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^\d{2}-[a-z0-9-]+$/);
  });

  it('has a patch for every mutant and a mutant for every patch', () => {
    expect(patchFiles).toEqual(MUTANTS.map((m) => `${m.id}.patch`).sort());
  });

  it('covers every area 1-8', () => {
    for (const area of Object.keys(AREAS).map(Number)) {
      expect(MUTANTS.filter((m) => m.area === area).map((m) => m.id), `area ${area}`).not.toEqual([]);
    }
  });

  it('describes each mutant: its slip, its effect, who should catch it', () => {
    for (const m of MUTANTS) {
      expect(m.slip.length, m.id).toBeGreaterThan(10);
      expect(m.slip, m.id).not.toContain('\n');
      expect(m.effect.length, m.id).toBeGreaterThan(10);
      expect(m.shouldCatch.length, m.id).toBeGreaterThan(0);
    }
  });
});

describe.each(MUTANTS.map((m) => [m.id, m] as const))('mutant %s', (id, mutant) => {
  const file = join(patches, `${id}.patch`);

  it('touches only unified/ (the file the catalog names), and no import line', () => {
    const text = readFileSync(file, 'utf8');
    const touched = [...text.matchAll(/^\+\+\+ b\/(.*)$/gm)].map((m) => m[1]);
    expect(touched).toEqual([mutant.file]);
    const changed = text.split('\n').filter((l) => /^[+-](?![+-]{2} )/.test(l));
    expect(changed.length).toBeGreaterThan(0);
    for (const line of changed) expect(line, line).not.toMatch(/^[+-]\s*import\b/);
  });

  it('applies cleanly to the current unified/ and changes it', () => {
    const dir = freshCopy(id);
    const check = gitApply(dir, ['--check', file]);
    expect(check.ok, check.stderr).toBe(true);
    const before = readFileSync(join(dir, mutant.file), 'utf8');
    const applied = gitApply(dir, [file]);
    expect(applied.ok, applied.stderr).toBe(true);
    const after = readFileSync(join(dir, mutant.file), 'utf8');
    expect(after).not.toBe(before);
    // And it reverses cleanly: the patch is exactly the slip, nothing else in the file moved.
    const reversed = gitApply(dir, ['-R', file]);
    expect(reversed.ok, reversed.stderr).toBe(true);
    expect(readFileSync(join(dir, mutant.file), 'utf8')).toBe(before);
  });
});
