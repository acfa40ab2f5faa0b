// The layering of the tree, read from the imports themselves: a rule broken here is an arrow
// pointing the wrong way in the README's Architecture drawing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each folder's layer; a file may import its own folder and the folders of lower layers only. */
const RANK: Record<string, number> = {
  'src/util': 0,
  'src/contract': 1,
  'src/limits': 2,
  'src/transport': 3,
  'src/pool': 3,
  legacy: 4,
  unified: 4,
  'src/dual': 5,
  'src/node': 6,
  'src/rehearsal': 6,
  'src/bench': 6,
  'src/soak': 6,
  'src/fleet': 6,
  src: 7, // index.ts, cli.ts
  codemods: 7,
};

/** Folders of the same rank that still must not import each other. */
const APART: [string, string][] = [
  ['legacy', 'unified'],
  ['src/transport', 'src/pool'],
];

/** What each implementation may import from the runtime: the contract and what it builds on. */
const MANAGER_MAY_IMPORT = new Set(['src/contract', 'src/pool', 'src/limits', 'src/util']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === '__testfixtures__') return [];
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer folder of a repository path: its longest prefix in RANK (src/dual/shadow is src/dual). */
function layerOf(rel: string): string | undefined {
  const parts = rel.split('/');
  for (let n = parts.length - 1; n >= 1; n--) {
    const prefix = parts.slice(0, n).join('/');
    if (prefix in RANK) return prefix;
  }
  return undefined;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const top of ['src', 'legacy', 'unified', 'codemods']) {
    for (const file of walk(path.join(root, top))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        out.push({ from: path.relative(root, file), to: path.relative(root, target) });
      }
    }
  }
  return out;
}

function violations(all: readonly Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of all) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (!a || !b) {
      bad.push(`${from} -> ${to}: outside every layer`);
      continue;
    }
    if (a === b) continue;
    if (RANK[b]! > RANK[a]!) bad.push(`${from} -> ${to}: upward (${a} imports ${b})`);
    if (APART.some(([x, y]) => (a === x && b === y) || (a === y && b === x))) bad.push(`${from} -> ${to}: ${a} and ${b} stay apart`);
    if ((a === 'legacy' || a === 'unified') && !MANAGER_MAY_IMPORT.has(b)) bad.push(`${from} -> ${to}: a manager imports ${b}`);
    if (a === 'codemods' && b !== 'codemods') bad.push(`${from} -> ${to}: codemods depend on nothing of the runtime`);
  }
  return bad;
}

/**
 * Inside codemods/, the same rule one level down, bottom first (every arrow points down, so there
 * is no cycle between the folders):
 *   options.ts, reasons.ts  the vocabulary (map roles, options, the class written, reason codes)
 *   ast/                    the model of a class and its sites, syntax helpers, text edits
 *   patterns/, edit/        one rewrite per pattern / the edits of a whole file (imports, TODOs);
 *                           both build on ast/ and stay apart
 *   analysis/               finds the classes and their sites, plans them with the patterns
 *   codemods/*.ts           engine, cli, project, report, verify, write, git
 *   bench/
 * So ast/ imports neither analysis/ nor patterns/ (nor edit/), and patterns/ does not import analysis/.
 */
const CODEMOD_RANK: Record<string, number> = {
  'codemods/vocabulary': 0,
  'codemods/ast': 1,
  'codemods/patterns': 2,
  'codemods/edit': 2,
  'codemods/analysis': 3,
  codemods: 4,
  'codemods/bench': 5,
};

/** The two top-level files below everything else in codemods/. */
const CODEMOD_VOCABULARY = new Set(['codemods/options', 'codemods/reasons']);

function codemodLayerOf(rel: string): string | undefined {
  if (CODEMOD_VOCABULARY.has(rel.replace(/\.[jt]s$/, ''))) return 'codemods/vocabulary';
  const parts = rel.split('/');
  for (let n = parts.length - 1; n >= 1; n--) {
    const prefix = parts.slice(0, n).join('/');
    if (prefix in CODEMOD_RANK) return prefix;
  }
  return undefined;
}

function codemodViolations(all: readonly Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of all) {
    if (!from.startsWith('codemods/') || !to.startsWith('codemods/')) continue;
    const a = codemodLayerOf(from);
    const b = codemodLayerOf(to);
    if (!a || !b) {
      bad.push(`${from} -> ${to}: outside every codemods folder`);
      continue;
    }
    if (a === b) continue;
    if (CODEMOD_RANK[b]! >= CODEMOD_RANK[a]!) bad.push(`${from} -> ${to}: ${a} imports ${b}, not below it`);
  }
  return bad;
}

describe('the layers', () => {
  const all = edges();

  it('reads every layer, and the imports of every layer that has any', () => {
    const layers = new Set(all.map((e) => layerOf(e.from)));
    for (const layer of Object.keys(RANK)) if (layer !== 'src/util') expect(layers, layer).toContain(layer);
    expect(walk(path.join(root, 'src/util')).length).toBeGreaterThan(0);
  });

  it('no import points upward, legacy and unified stay apart, codemods stand alone', () => {
    expect(violations(all)).toEqual([]);
  });

  it('the check itself fails on a broken rule', () => {
    const planted: Edge[] = [
      { from: 'src/contract/types.ts', to: 'src/dual/modes.js' },
      { from: 'legacy/legacy-peer-manager.ts', to: 'unified/pool-entry.js' },
      { from: 'unified/unified-peer-manager.ts', to: 'src/transport/peer-connection.js' },
      { from: 'src/transport/dialer.ts', to: 'src/pool/lock.js' },
      { from: 'codemods/engine.ts', to: 'src/contract/types.js' },
    ];
    const broken = new Set(violations(planted).map((v) => v.split(':')[0]));
    expect([...broken]).toEqual(planted.map((e) => `${e.from} -> ${e.to}`));
  });

  it('inside codemods/, ast/ is below patterns/ and edit/, which are below analysis/', () => {
    const inside = all.filter((e) => e.from.startsWith('codemods/') && e.to.startsWith('codemods/'));
    const layers = new Set(inside.map((e) => codemodLayerOf(e.from)));
    for (const layer of Object.keys(CODEMOD_RANK)) if (layer !== 'codemods/vocabulary') expect(layers, layer).toContain(layer);
    expect(codemodViolations(all)).toEqual([]);
  });

  it('the codemods check itself fails on a broken rule', () => {
    const planted: Edge[] = [
      { from: 'codemods/ast/syntax.ts', to: 'codemods/analysis/plan.js' },
      { from: 'codemods/ast/model.ts', to: 'codemods/patterns/fixes.js' },
      { from: 'codemods/patterns/lock-merge.ts', to: 'codemods/analysis/sites.js' },
      { from: 'codemods/patterns/reads.ts', to: 'codemods/edit/todos.js' },
      { from: 'codemods/edit/imports.ts', to: 'codemods/patterns/triple-insert.js' },
      { from: 'codemods/options.ts', to: 'codemods/ast/model.js' },
      { from: 'codemods/analysis/plan.ts', to: 'codemods/engine.js' },
    ];
    const broken = new Set(codemodViolations(planted).map((v) => v.split(':')[0]));
    expect([...broken]).toEqual(planted.map((e) => `${e.from} -> ${e.to}`));
  });
});
