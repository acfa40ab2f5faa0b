// The CLI end to end on real temporary folders, spawned as users run it.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = path.join(root, 'codemods/__testfixtures__');
const dirs: string[] = [];
// tsx resolved from this repository, since the CLI runs in folders with no node_modules.
const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'poolshift-cli-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', tsx, path.join(root, 'src/cli.ts'), 'codemod', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');
const base = (): Record<string, string> => ({
  'src/support.ts': fixture('support.ts'),
  'src/pool.ts': fixture('aliases.input.ts'),
  'src/review.ts': fixture('needs-review.input.ts'),
  'src/plain.ts': 'export const nothing = 1;\n',
});

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('poolshift codemod', () => {
  it('is dry by default: prints a unified diff and the totals, writes nothing', () => {
    const dir = workspace(base());
    const r = cli(dir, 'src', '--import-from', './src/support.js');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--- a/src/pool.ts');
    expect(r.stdout).toContain('+++ b/src/pool.ts');
    expect(r.stdout).toContain('+  readonly connections: Map<string, UnifiedPeerConnection<Conn, Info>>;');
    expect(r.stdout).toMatch(/4 files: 1 ok, 1 unmodified, 1 skipped, 0 error, 1 needs review\ndone in [\d.]+ s \(\d+ files\/s\)\n$/);
    expect(r.stderr).toBe('');
    expect(readFileSync(path.join(dir, 'src/pool.ts'), 'utf8')).toBe(fixture('aliases.input.ts'));
  });

  it('--write rewrites the files, a second run changes nothing, --verify passes', () => {
    const dir = workspace(base());
    const first = cli(dir, 'src', '--write', '--verify', '--insert-todos', '--import-from', './src/support.js');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(readFileSync(path.join(dir, 'src/pool.ts'), 'utf8')).toBe(fixture('aliases.output.ts'));
    expect(readFileSync(path.join(dir, 'src/review.ts'), 'utf8')).toBe(fixture('needs-review.output.ts'));
    const again = cli(dir, 'src', '--report', 'json', '--insert-todos', '--import-from', './src/support.js');
    const report = JSON.parse(again.stdout) as { files: { path: string; status: string; edits: number }[] };
    expect(report.files.map((f) => [f.path, f.status, f.edits])).toEqual([
      ['src/plain.ts', 'skipped', 0],
      ['src/pool.ts', 'unmodified', 0],
      ['src/review.ts', 'needs-review', 0],
      // It mentions lastSeen, so it is walked; it holds no three-map class.
      ['src/support.ts', 'unmodified', 0],
    ]);
    // Two CLI runs through tsx, one type-checking the result: 20 s was not enough on a loaded machine.
  }, 60_000);

  it('--report json has exactly the documented shape and totals that add up', () => {
    const dir = workspace(base());
    const r = cli(dir, 'src', '--report', 'json', '--import-from', './src/support.js');
    const report = JSON.parse(r.stdout) as Record<string, unknown> & {
      files: Record<string, unknown>[];
      totals: Record<string, number>;
    };
    expect(Object.keys(report)).toEqual(['files', 'totals', 'timeMs']);
    expect(Object.keys(report.totals)).toEqual(['files', 'ok', 'unmodified', 'skipped', 'error', 'needsReview']);
    for (const f of report.files) expect(Object.keys(f)).toEqual(['path', 'status', 'edits', 'manualSites']);
    const { files, ...counts } = report.totals;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(files);
    const review = report.files.find((f) => f.path === 'src/review.ts')!;
    expect(review.status).toBe('needs-review');
    expect((review.manualSites as { code: string }[]).map((m) => m.code)).toContain('PHANTOM_PEER');
    for (const m of review.manualSites as Record<string, unknown>[]) {
      const keys = ['line', 'column', 'endLine', 'endColumn', 'code', ...('field' in m ? ['field'] : []), 'message', 'source'];
      expect(Object.keys(m)).toEqual(keys);
    }
    // Each site names the user's field and carries its source line.
    const phantom = (review.manualSites as Record<string, unknown>[]).find((m) => m.code === 'PHANTOM_PEER')!;
    expect(phantom).toMatchObject({ line: 9, endLine: 10, field: 'peers', source: 'this.peers.set(key, info);' });
  });

  it('after --write --insert-todos, each site is reported at its line in the written file', () => {
    const dir = workspace(base());
    const r = cli(dir, 'src', '--write', '--insert-todos', '--report', 'json', '--import-from', './src/support.js');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { files: { path: string; manualSites: { line: number; endLine: number; code: string; source: string; message: string }[] }[] };
    const written = read(dir, 'src/review.ts').split('\n');
    const sites = report.files.find((f) => f.path === 'src/review.ts')!.manualSites;
    expect(sites.length).toBeGreaterThan(3);
    for (const site of sites) {
      // The line named is the site's own line (its TODO sits right above it), not where it was before.
      expect(written[site.line - 1]!.trim()).toBe(site.source);
      expect(written[site.line - 2]!).toContain(`TODO(poolshift): ${site.code}`);
    }
    // Lines named inside a message moved with the text too.
    const phantom = sites.find((s) => s.code === 'PHANTOM_PEER')!;
    expect(phantom.message).toContain(`(line ${phantom.line})`);
    expect(phantom.message).toContain(`(line ${phantom.endLine})`);
    expect(written[phantom.endLine - 1]!.trim()).toBe('this.lastSeen.set(key, Date.now());');
  });

  it('exits 2 with --fail-on-manual when sites need review, also with --silent, printing nothing', () => {
    const dir = workspace(base());
    expect(cli(dir, 'src', '--fail-on-manual').status).toBe(2);
    const silent = cli(dir, 'src', '--fail-on-manual', '--silent');
    expect(silent).toEqual({ status: 2, stdout: '', stderr: '' });
  });

  it('reports a file that does not parse as an error, never writes it, and exits 1', () => {
    const files = { ...base(), 'src/broken.ts': 'export class { peers = new Map(\n' };
    const dir = workspace(files);
    const r = cli(dir, 'src', '--write', '--import-from', './src/support.js');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/src\/broken\.ts: error: /);
    expect(readFileSync(path.join(dir, 'src/broken.ts'), 'utf8')).toBe(files['src/broken.ts']);
    expect(readFileSync(path.join(dir, 'src/pool.ts'), 'utf8')).toBe(fixture('aliases.output.ts'));
  });

  it('refuses to write into a dirty git work tree unless --allow-dirty', () => {
    const dir = workspace(base());
    const git = (...args: string[]): void => {
      spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    };
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'base');
    writeFileSync(path.join(dir, 'src/plain.ts'), 'export const nothing = 2;\n');
    const refused = cli(dir, 'src', '--write');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('uncommitted');
    expect(readFileSync(path.join(dir, 'src/pool.ts'), 'utf8')).toBe(fixture('aliases.input.ts'));
    expect(cli(dir, 'src', '--write', '--allow-dirty', '--import-from', './src/support.js').status).toBe(0);
  });

  it('skips git-ignored files, node_modules and .d.ts, and honours --include/--exclude', () => {
    const dir = workspace({
      ...base(),
      '.gitignore': 'src/generated/\n',
      'src/generated/pool.ts': fixture('iteration.input.ts').replace('./support.js', '../support.js'),
      'src/node_modules/x/index.ts': 'export const x = 1;\n',
      'src/types.d.ts': 'export declare const y: number;\n',
    });
    spawnSync('git', ['init', '-q'], { cwd: dir });
    const r = cli(dir, 'src', '--report', 'json', '--exclude', 'src/review.ts');
    const paths = (JSON.parse(r.stdout) as { files: { path: string }[] }).files.map((f) => f.path);
    expect(paths).toEqual(['src/plain.ts', 'src/pool.ts', 'src/support.ts']);
    const only = cli(dir, 'src', '--report', 'json', '--include', '**/pool.ts');
    expect((JSON.parse(only.stdout) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(['src/pool.ts']);
  });

  it('uses the tsconfig as the source of files and makes a relative --import-from relative to each file', () => {
    const dir = workspace({
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true }, include: ['lib'] }),
      'lib/support.ts': fixture('support.ts'),
      'lib/deep/pool.ts': fixture('iteration.input.ts').replace('./support.js', '../support.js'),
    });
    const r = cli(dir, '--write', '--verify', '--import-from', './lib/support.js');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, 'lib/deep/pool.ts'), 'utf8')).toContain("import { UnifiedPeerConnection } from '../support.js';");
  });

  it('--verify fails with 1 when the rewrite introduces a type error', () => {
    const dir = workspace(base());
    // UnifiedPeerConnection imported from a module that does not have it: the rewrite cannot compile.
    const r = cli(dir, 'src/pool.ts', '--verify', '--import-from', './src/plain.js');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('introduced by the rewrite');
  });

  it('--verify warns about a changed file with // @ts-nocheck, where it can check nothing', () => {
    const dir = workspace({ ...base(), 'src/pool.ts': `// @ts-nocheck\n${fixture('aliases.input.ts')}` });
    const r = cli(dir, 'src/pool.ts', '--verify', '--import-from', './src/support.js');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('warning: src/pool.ts has // @ts-nocheck: --verify cannot check it');
    const checked = cli(dir, 'src/review.ts', '--verify', '--insert-todos');
    expect(checked.stderr).not.toContain('@ts-nocheck');
  });

  it('when no class has the names given, suggests the flags for a pool found by its types and use', () => {
    const renamed = fixture('aliases.input.ts')
      .replace(/\bconnections\b/g, 'sockets')
      .replace(/\bpeers\b/g, 'users')
      .replace(/\blastSeen\b/g, 'lastPong');
    const twoMaps = [
      "import type { Conn } from './support.js';",
      'export class Pings {',
      '  private readonly socks = new Map<string, Conn>();',
      '  private readonly pings = new Map<string, number>();',
      '  open(id: string, c: Conn): void {',
      '    this.socks.set(id, c);',
      '    this.pings.set(id, Date.now());',
      '  }',
      '}',
      '',
    ].join('\n');
    const dir = workspace({ 'src/support.ts': fixture('support.ts'), 'src/pool.ts': renamed, 'src/pings.ts': twoMaps });
    const command = 'npx poolshift codemod src --connections-field sockets --peers-field users --last-seen-field lastPong';
    const dry = cli(dir, 'src');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('nothing matched the map names connections, peers, lastSeen');
    expect(dry.stdout).toContain(`src/pool.ts:3  class Pool: ${command}`);
    // Two of the three: said, with what is missing.
    expect(dry.stdout).toContain('src/pings.ts:2  class Pings: connections: socks, lastSeen: pings, but no peers map keyed by string');
    // With --report json the hint goes to stderr: stdout stays the report alone.
    const json = cli(dir, 'src', '--report', 'json');
    expect(json.stderr).toContain(`src/pool.ts:3  class Pool: ${command}`);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    // Whatever names a --detect run is given, the command it prints names the maps in full.
    const detect = cli(dir, 'src', '--detect', '--peers-field', 'users');
    expect(detect.stdout).toMatch(/connections: sockets +\(its values \(Conn\) have send\(\)\)/);
    expect(detect.stdout).toMatch(/lastSeen: +lastPong +\(numbers set from /);
    expect(detect.stdout).toContain(`run: ${command}`);
    expect(read(dir, 'src/pool.ts')).toBe(renamed);
    // The command it prints converts the class as the default names would.
    const run = cli(dir, 'src', '--connections-field', 'sockets', '--peers-field', 'users', '--last-seen-field', 'lastPong', '--write', '--import-from', './src/support.js');
    expect(run.status).toBe(0);
    expect(read(dir, 'src/pool.ts')).toContain('readonly sockets: Map<string, UnifiedPeerConnection<Conn, Info>>;');
    // Once converted, the class is no pool of three maps any more: nothing is suggested for it.
    const after = cli(dir, 'src', '--connections-field', 'sockets', '--peers-field', 'users', '--last-seen-field', 'lastPong');
    expect(after.stdout).not.toContain('class Pool');
    expect(after.stdout).toContain('class Pings');
  }, 60_000);

  it('prints no progress line when stderr is not a terminal', () => {
    const dir = workspace(base());
    expect(cli(dir, 'src').stderr).toBe('');
  });
});

interface WriteReport {
  files: { path: string; status: string; edits: number; reason?: { code: string; message: string } }[];
}
const fileIn = (report: WriteReport, p: string): WriteReport['files'][number] | undefined => report.files.find((f) => f.path === p);
const read = (dir: string, name: string): string => readFileSync(path.join(dir, name), 'utf8');
const tsconfig = (extra: Record<string, unknown>): string =>
  JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true }, ...extra });

/** A git repository of the folder, everything in it committed. */
function commitAll(dir: string): void {
  const git = (...args: string[]): void => {
    spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
}

// What a user's files look like after --write: only the files under the paths given, each kept the
// kind of file it was. A file that cannot be written safely is skipped with a reason, and the rest
// are still written.
describe('poolshift codemod --write and the files it writes', () => {
  it('never writes through a symlinked folder to a file outside the paths given (outside-tree)', () => {
    const dir = workspace({
      ...base(),
      'tsconfig.json': tsconfig({ include: ['src'] }),
      // Reached as src/linked/pool.ts, so its import is resolved from src/linked/.
      'outside/pool.ts': fixture('iteration.input.ts').replace('./support.js', '../support.js'),
    });
    symlinkSync(path.join(dir, 'outside'), path.join(dir, 'src/linked'), 'dir');
    const r = cli(dir, 'src', '--write', '--report', 'json', '--import-from', './src/support.js');
    const report = JSON.parse(r.stdout) as WriteReport;
    expect(fileIn(report, 'src/linked/pool.ts')).toMatchObject({ status: 'skipped', edits: 0, reason: { code: 'outside-tree' } });
    expect(fileIn(report, 'src/linked/pool.ts')!.reason!.message).toContain(path.join(dir, 'outside/pool.ts'));
    expect(read(dir, 'outside/pool.ts')).toBe(fixture('iteration.input.ts').replace('./support.js', '../support.js'));
    expect(read(dir, 'src/pool.ts')).toBe(fixture('aliases.output.ts'));
    // Not everything asked for went through.
    expect(r.status).toBe(1);
    const text = cli(dir, 'src', '--write', '--import-from', './src/support.js');
    expect(text.stdout).toMatch(/^src\/linked\/pool\.ts: skipped \(outside-tree\): .*outside\/pool\.ts/m);
    expect(text.stdout).not.toContain('wrote src/linked/pool.ts');
  }, 60_000);

  it('writes through a symlinked file to its target inside the tree, and keeps the link', () => {
    const dir = workspace({
      'tsconfig.json': tsconfig({ files: ['src/pool.ts', 'src/support.ts'] }),
      'src/support.ts': fixture('support.ts'),
      'lib/pool.ts': fixture('aliases.input.ts'),
    });
    symlinkSync(path.join(dir, 'lib/pool.ts'), path.join(dir, 'src/pool.ts'));
    // No paths: the tree is the tsconfig's folder, which holds lib/.
    const r = cli(dir, '--write', '--import-from', './src/support.js');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lstatSync(path.join(dir, 'src/pool.ts')).isSymbolicLink()).toBe(true);
    expect(read(dir, 'lib/pool.ts')).toBe(fixture('aliases.output.ts'));
  });

  it('skips a symlinked file whose target is outside the paths given (symlink-outside-tree), writes the others', () => {
    const outside = workspace({ 'pool.ts': fixture('aliases.input.ts') });
    const dir = workspace({ 'src/support.ts': fixture('support.ts'), 'src/iter.ts': fixture('iteration.input.ts') });
    symlinkSync(path.join(outside, 'pool.ts'), path.join(dir, 'src/pool.ts'));
    const r = cli(dir, 'src', '--write', '--report', 'json', '--import-from', './src/support.js');
    const report = JSON.parse(r.stdout) as WriteReport;
    expect(fileIn(report, 'src/pool.ts')).toMatchObject({ status: 'skipped', reason: { code: 'symlink-outside-tree' } });
    expect(lstatSync(path.join(dir, 'src/pool.ts')).isSymbolicLink()).toBe(true);
    expect(read(outside, 'pool.ts')).toBe(fixture('aliases.input.ts'));
    expect(read(dir, 'src/iter.ts')).toBe(fixture('iteration.output.ts'));
    expect(r.status).toBe(1);
  });

  it('keeps a UTF-8 BOM and CRLF line endings', () => {
    const crlf = (t: string): string => t.replace(/\n/g, '\r\n');
    const dir = workspace({
      'src/support.ts': fixture('support.ts'),
      'src/pool.ts': `\uFEFF${fixture('aliases.input.ts')}`,
      'src/iter.ts': crlf(fixture('iteration.input.ts')),
      'src/review.ts': crlf(fixture('needs-review.input.ts')),
    });
    const args = ['src', '--write', '--insert-todos', '--import-from', './src/support.js'];
    const r = cli(dir, ...args);
    expect(r.status).toBe(0);
    expect(read(dir, 'src/pool.ts')).toBe(`\uFEFF${fixture('aliases.output.ts')}`);
    // Removed lines leave no blank line behind, inserted ones (the import, the TODOs) end in CRLF.
    expect(read(dir, 'src/iter.ts')).toBe(crlf(fixture('iteration.output.ts')));
    expect(read(dir, 'src/review.ts')).toBe(crlf(fixture('needs-review.output.ts')));
    // Its TODOs are recognised in a CRLF file: a second run changes nothing.
    expect(cli(dir, ...args).stdout).not.toContain('wrote');
    expect(read(dir, 'src/review.ts')).toBe(crlf(fixture('needs-review.output.ts')));
  });

  it('skips a read-only file (read-only), writes the others', () => {
    const dir = workspace({
      'src/support.ts': fixture('support.ts'),
      'src/pool.ts': fixture('aliases.input.ts'),
      'src/iter.ts': fixture('iteration.input.ts'),
    });
    // No write bit for anyone: read-only even for root, whom permission bits do not stop.
    chmodSync(path.join(dir, 'src/pool.ts'), 0o444);
    const r = cli(dir, 'src', '--write', '--report', 'json', '--import-from', './src/support.js');
    const report = JSON.parse(r.stdout) as WriteReport;
    expect(fileIn(report, 'src/pool.ts')).toMatchObject({ status: 'skipped', reason: { code: 'read-only' } });
    expect(read(dir, 'src/pool.ts')).toBe(fixture('aliases.input.ts'));
    expect(statSync(path.join(dir, 'src/pool.ts')).mode & 0o777).toBe(0o444);
    expect(read(dir, 'src/iter.ts')).toBe(fixture('iteration.output.ts'));
    expect(r.status).toBe(1);
  });

  it('refuses to write into a dirty repository it is not run from, unless --allow-dirty', () => {
    const repo = workspace(base());
    commitAll(repo);
    writeFileSync(path.join(repo, 'src/plain.ts'), 'export const nothing = 2;\n');
    const elsewhere = workspace({});
    const refused = cli(elsewhere, path.join(repo, 'src'), '--write');
    expect(refused.stderr).toContain('uncommitted');
    expect(refused.stderr).toContain(realpathSync(repo));
    expect(refused.status).toBe(1);
    expect(read(repo, 'src/pool.ts')).toBe(fixture('aliases.input.ts'));
    expect(cli(elsewhere, path.join(repo, 'src'), '--write', '--allow-dirty').status).toBe(0);
    expect(read(repo, 'src/pool.ts')).not.toBe(fixture('aliases.input.ts'));
  });

  it('checks the repository of every file written: one dirty repository stops all writes', () => {
    const clean = workspace({ 'src/support.ts': fixture('support.ts'), 'src/pool.ts': fixture('aliases.input.ts') });
    commitAll(clean);
    const dirty = workspace({ 'src/support.ts': fixture('support.ts'), 'src/iter.ts': fixture('iteration.input.ts') });
    commitAll(dirty);
    writeFileSync(path.join(dirty, 'notes.txt'), 'not committed\n');
    const r = cli(clean, 'src', path.join(dirty, 'src'), '--write');
    expect(r.stderr).toContain(realpathSync(dirty));
    expect(r.stderr).not.toContain(realpathSync(clean));
    expect(r.status).toBe(1);
    expect(read(clean, 'src/pool.ts')).toBe(fixture('aliases.input.ts'));
    expect(read(dirty, 'src/iter.ts')).toBe(fixture('iteration.input.ts'));
  });
});

describe('the legacy manager of this project', () => {
  it('is reported, not guessed at: TODOs inserted once, the copy still type-checks', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'poolshift-legacy-'));
    dirs.push(dir);
    for (const d of ['legacy', 'src', 'unified']) cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
    // The project's compiler options, over legacy/ and what it imports.
    const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['legacy'], exclude: [] }));
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const args = ['legacy', '--write', '--verify', '--insert-todos', '--import-from', './unified/unified-peer-connection.js'];
    const first = cli(dir, ...args, '--report', 'json');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout) as { files: { status: string; manualSites: { code: string }[] }[] };
    expect(report.files[0]!.status).toBe('needs-review');
    const codes = new Set(report.files[0]!.manualSites.map((m) => m.code));
    expect([...codes].sort()).toEqual(['CLASS_NOT_MIGRATED', 'PARTIAL_DELETE', 'PARTIAL_INSERT', 'PHANTOM_PEER']);
    const written = readFileSync(path.join(dir, 'legacy/legacy-peer-manager.ts'), 'utf8');
    expect(cli(dir, ...args).status).toBe(0);
    expect(readFileSync(path.join(dir, 'legacy/legacy-peer-manager.ts'), 'utf8')).toBe(written);
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});
