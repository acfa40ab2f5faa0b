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
});
