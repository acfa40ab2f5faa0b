/**
 * The mutation suite: `npm run mutants -- [options]` (tsx test/mutants/run.ts).
 *
 * Copies the repository to a scratch folder (src legacy unified codemods package.json
 * tsconfig*.json; node_modules linked; the repository itself is never written), then for the unmodified tree
 * (the baseline) and for each patch in test/mutants/patches: restores unified/, applies the patch
 * with `git apply`, builds with tsc (incrementally: only what a patch changes is re-emitted), runs
 * the rehearsal with its defaults on its own loopback addresses and a soak, and prints a markdown
 * table of which detector caught which bug.
 *
 *   --only <id,...>          mutants to run (full id or its number: 03,14); the baseline runs too
 *   --skip-soak              rehearsal only
 *   --skip-rehearsal         soak only
 *   --soak-seconds <n>       soak length (default 30)
 *   --soak-gate <targets>    the soak's --gate (default lost,leaks,divergences,stale, as .ci/run)
 *   --build-only             apply and build each mutant, run nothing (checks that patches type-check)
 *   --no-baseline            skip the baseline run (not recommended: it shows the detectors' noise)
 *   --json <file>            every figure, as JSON
 *   --markdown <file>        the table, as markdown
 *   --base-address <ip>      the rehearsal's first node (default 127.0.91.2; its /24 is used by nothing else)
 *   --port <n> --admin-port <n>   the rehearsal nodes' ports (default 17700, 19700)
 *   --soak-node-ip <ip> --soak-peer-net <a.b.c>   the soak's node and peers (default 127.0.92.1, 127.0.93;
 *                            passed where the soak takes them)
 *   --keep                   keep the scratch folder (node logs, reports) and print where it is
 *   --verbose                stream the children's output
 *
 * A mutant is caught by the rehearsal when its verdict is not `pass` or it counted an unexpected
 * divergence (or it produced no report at all); by the soak when its gate failed, it counted an
 * unexpected divergence, lost a message or leaked anything. Each finding is also compared with
 * the baseline's: the table puts in bold what the baseline did not report (a kind it did not
 * count, or counted far less often; a bigger leak or loss), so detector noise in the tree as it
 * is does not pass for a detection. Every child has a hard timeout and runs in its own process
 * group; the runner kills the groups and removes its scratch folder on exit and on SIGINT.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AREAS, MUTANTS, type Mutant } from './catalog.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PATCHES = join(ROOT, 'test/mutants/patches');
/** What the scratch copy needs to build and run; node_modules is linked, not copied. */
const COPIED = ['src', 'legacy', 'unified', 'codemods', 'package.json'];

// --- options --------------------------------------------------------------------------------

interface Options {
  only: string[] | undefined;
  skipSoak: boolean;
  skipRehearsal: boolean;
  soakSeconds: number;
  soakGate: string;
  buildOnly: boolean;
  baseline: boolean;
  json: string | undefined;
  markdown: string | undefined;
  baseAddress: string;
  port: number;
  adminPort: number;
  soakNodeIp: string;
  soakPeerNet: string;
  keep: boolean;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      'skip-soak': { type: 'boolean', default: false },
      'skip-rehearsal': { type: 'boolean', default: false },
      'soak-seconds': { type: 'string', default: '30' },
      'soak-gate': { type: 'string', default: 'lost,leaks,divergences,stale' },
      'build-only': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      json: { type: 'string' },
      markdown: { type: 'string' },
      'base-address': { type: 'string', default: '127.0.91.2' },
      port: { type: 'string', default: '17700' },
      'admin-port': { type: 'string', default: '19700' },
      'soak-node-ip': { type: 'string', default: '127.0.92.1' },
      'soak-peer-net': { type: 'string', default: '127.0.93' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!;
    process.stdout.write(`${header.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, '')}\n`);
    process.exit(0);
  }
  const soakSeconds = Number(values['soak-seconds']);
  if (!(soakSeconds > 0 && soakSeconds <= 3600)) usage('--soak-seconds must be a number of seconds in (0, 3600]');
  const port = Number(values.port);
  const adminPort = Number(values['admin-port']);
  if (!Number.isInteger(port) || !Number.isInteger(adminPort)) usage('--port and --admin-port must be integers');
  if (!/^127\.\d+\.\d+\.\d+$/.test(values['base-address'])) usage('--base-address must be a loopback address (127.x.y.z)');
  if (!/^127\.\d+\.\d+\.\d+$/.test(values['soak-node-ip'])) usage('--soak-node-ip must be a loopback address (127.x.y.z)');
  if (!/^127\.\d+\.\d+$/.test(values['soak-peer-net'])) usage('--soak-peer-net must be the first three octets of a loopback /24 (127.x.y)');
  return {
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
    skipSoak: values['skip-soak'],
    skipRehearsal: values['skip-rehearsal'],
    soakSeconds,
    soakGate: values['soak-gate'],
    buildOnly: values['build-only'],
    baseline: !values['no-baseline'],
    json: values.json,
    markdown: values.markdown,
    baseAddress: values['base-address'],
    port,
    adminPort,
    soakNodeIp: values['soak-node-ip'],
    soakPeerNet: values['soak-peer-net'],
    keep: values.keep,
    verbose: values.verbose,
  };
}

function usage(message: string): never {
  process.stderr.write(`mutants: ${message}\n`);
  process.exit(2);
}

function selectMutants(only: string[] | undefined): Mutant[] {
  if (!only) return [...MUTANTS];
  return only.map((want) => {
    const found = MUTANTS.filter((m) => m.id === want || m.id.startsWith(`${want}-`));
    if (found.length !== 1) usage(`--only: ${want} names ${found.length === 0 ? 'no mutant' : 'several mutants'} (known: ${MUTANTS.map((m) => m.id).join(', ')})`);
    return found[0]!;
  });
}

// --- children: each in its own process group, killed with it --------------------------------

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // detached: the child leads its own group, which holds what it spawned (the rehearsal's nodes).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone already
    }
  }
}

interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end or its hard timeout: on timeout SIGTERM to its group (the rehearsal
 * then stops its nodes), SIGKILL `graceMs` later. Output goes to `logFile`, and to the terminal
 * with --verbose.
 */
function run(cmd: string, args: string[], o: { cwd: string; timeoutMs: number; logFile: string; verbose: boolean; graceMs?: number }): Promise<ChildResult> {
  const started = Date.now();
  const log = createWriteStream(o.logFile);
  log.write(`$ ${cmd} ${args.join(' ')}\n`);
  const env = { ...process.env };
  // The runner runs under tsx; the build it tests runs as plain JavaScript.
  if (env.NODE_OPTIONS?.includes('tsx')) delete env.NODE_OPTIONS;
  const child = spawn(cmd, args, { cwd: o.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    out.push(b);
    log.write(b);
    if (o.verbose) process.stdout.write(b);
  });
  child.stderr!.on('data', (b: Buffer) => {
    err.push(b);
    log.write(b);
    if (o.verbose) process.stderr.write(b);
  });
  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGTERM');
    killer = setTimeout(() => killGroup(child, 'SIGKILL'), o.graceMs ?? 15_000);
  }, o.timeoutMs);
  return new Promise((resolvePromise) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      clearTimeout(killer);
      children.delete(child);
      // Whatever the child left behind in its group (a node the rehearsal did not stop) goes too.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is empty
      }
      log.end();
      resolvePromise({ code, signal, timedOut, ms: Date.now() - started, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    };
    child.once('error', (e) => {
      err.push(Buffer.from(String(e)));
      finish(null, null);
    });
    child.once('close', finish);
  });
}

// --- the scratch copy ------------------------------------------------------------------------

interface Scratch {
  readonly dir: string;
  readonly work: string;
  readonly pristine: string;
}

function makeScratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'poolshift-mutants-'));
  const work = join(dir, 'repo');
  mkdirSync(work);
  const copied = [...COPIED, ...readdirSync(ROOT).filter((f) => /^tsconfig.*\.json$/.test(f))];
  for (const name of copied) cpSync(join(ROOT, name), join(work, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  const pristine = join(dir, 'unified.orig');
  cpSync(join(work, 'unified'), pristine, { recursive: true });
  // Its own repository, so that `git apply` patches paths relative to the copy, whatever holds the temp folder.
  spawnSync('git', ['init', '-q'], { cwd: work });
  return { dir, work, pristine };
}

function resetUnified(s: Scratch): void {
  rmSync(join(s.work, 'unified'), { recursive: true, force: true });
  cpSync(s.pristine, join(s.work, 'unified'), { recursive: true });
}

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(relative(dir, full), readFileSync(full, 'utf8'));
  }
  return files;
}

/** Applies the patch to the copy's unified/; returns why not, or undefined. */
function applyPatch(s: Scratch, mutant: Mutant): string | undefined {
  const patch = join(PATCHES, `${mutant.id}.patch`);
  if (!existsSync(patch)) return `no patch file ${relative(ROOT, patch)}`;
  const outside = [...readFileSync(patch, 'utf8').matchAll(/^\+\+\+ b\/(.*)$/gm)].map((m) => m[1]!).filter((p) => !p.startsWith('unified/'));
  if (outside.length > 0) return `the patch touches files outside unified/: ${outside.join(', ')}`;
  const check = spawnSync('git', ['apply', '--check', patch], { cwd: s.work, encoding: 'utf8' });
  if (check.status !== 0) return `git apply --check failed: ${check.stderr.trim()}`;
  const applied = spawnSync('git', ['apply', patch], { cwd: s.work, encoding: 'utf8' });
  if (applied.status !== 0) return `git apply failed: ${applied.stderr.trim()}`;
  const before = readTree(s.pristine);
  const after = readTree(join(s.work, 'unified'));
  if ([...after].every(([f, text]) => before.get(f) === text)) return 'the patch changes nothing';
  return undefined;
}

// --- results ---------------------------------------------------------------------------------

interface StepTime {
  readonly build?: number;
  readonly rehearsal?: number;
  readonly soak?: number;
}

/**
 * One finding, as shown (`text`) and as compared with the baseline (`signal`, `value`): a finding
 * the baseline did not have (or, for a leak or a loss, a bigger one) is new, the mutant's own.
 */
interface Finding {
  readonly text: string;
  readonly signal: string;
  readonly value: number;
  /** Compared by value (leaks, losses), not only by presence (divergence kinds, reasons). */
  readonly byValue: boolean;
}

interface Outcome {
  /** `error`: no report at all (a timeout, a crash). */
  readonly status: 'pass' | 'fail' | 'error';
  readonly caught: boolean;
  readonly findings: Finding[];
  readonly exitCode: number | null;
}

interface RehearsalOutcome extends Outcome {
  readonly unexpected: number;
  readonly known: number;
  /** Unexpected divergences by kind. */
  readonly unexpectedByKind: Record<string, number>;
  readonly lost: number;
  readonly duplicated: number;
  /** Why the verdict is fail, as the rehearsal printed it. */
  readonly reasons: string[];
}

interface SoakOutcome extends Outcome {
  readonly gateFailed: boolean;
  readonly unexpected: number;
  readonly unexpectedByKind: Record<string, number>;
  readonly lost: number;
  readonly leaked: { entries: number; timers: number; listeners: number };
  readonly heapGrowthPct: number | null;
}

interface RunResult {
  readonly id: string;
  readonly area: number | null;
  readonly slip: string;
  readonly shouldCatch: readonly string[];
  /** Set when the mutant could not be tried (patch or build failure). */
  readonly error?: string;
  readonly ms: StepTime;
  readonly rehearsal?: RehearsalOutcome;
  readonly soak?: SoakOutcome;
}

const finding = (text: string, signal: string, value = 1, byValue = false): Finding => ({ text, signal, value, byValue });

/** The rehearsal's reasons, short; `n3` and numbers left out of the signal, so runs compare. */
const SHORT_REASON: [RegExp, (m: RegExpMatchArray) => string][] = [
  // `<fault> of <node> (<ip>) ...`, whatever faults the rehearsal plays.
  [/^(\S+) of (\S+) \(\S+\) .*not detected/, (m) => `${m[1]} not detected (${m[2]})`],
  [/^(\S+) of (\S+) \(\S+\) .*over its bound/, (m) => `${m[1]} detected late (${m[2]})`],
  [/^stage (\S+) not reached on (\S+)/, (m) => `stage ${m[1]} not reached (${m[2]})`],
  [/^(\S+) \(\S+\) exited unexpectedly/, (m) => `node exited (${m[1]})`],
  [/^only (\d+) of (\d+) stages walked/, (m) => `${m[1]} of ${m[2]} stages walked`],
  [/^rehearsal aborted: (.*)/, (m) => `aborted: ${m[1]!.slice(0, 60)}`],
];

/** The "why it failed:" lines of the rehearsal's summary (its JSON report does not carry them). */
function rehearsalReasons(stdout: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.lastIndexOf('why it failed:');
  if (at < 0) return [];
  const reasons: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith('  ')) break;
    if (!line.startsWith('    ')) reasons.push(line.trim());
  }
  return reasons;
}

/** Reasons the JSON report does not already say (divergences, losses), one finding per kind of reason, nodes merged. */
function reasonFindings(reasons: string[]): Finding[] {
  const groups = new Map<string, string[]>();
  for (const r of reasons) {
    if (/^unexpected divergences|block proposals (lost|duplicated)/.test(r)) continue;
    const rule = SHORT_REASON.find(([re]) => re.test(r));
    const text = rule ? rule[1](r.match(rule[0])!) : r.replace(/ \(\d+\.\d+\.\d+\.\d+\)/g, '').slice(0, 80);
    const m = /^(.*) \((\S+)\)$/.exec(text);
    const [head, node] = m ? [m[1]!, m[2]!] : [text, ''];
    const nodes = groups.get(head) ?? [];
    if (node) nodes.push(node);
    groups.set(head, nodes);
  }
  return [...groups].map(([head, nodes]) => finding(nodes.length ? `${head} (${nodes.join(', ')})` : head, head.replace(/\d+/g, '#')));
}

interface RehearsalJson {
  verdict: 'pass' | 'fail';
  divergences: { known: number; unexpected: number; byKind: Record<string, { known: number; unexpected: number }> };
  messages: { lost: number; duplicated: number };
}

function readRehearsal(child: ChildResult, jsonFile: string): RehearsalOutcome {
  const reasons = rehearsalReasons(child.stdout);
  if (!existsSync(jsonFile)) {
    const why = child.timedOut ? 'timed out' : `exited ${child.code ?? child.signal} without a report`;
    return { status: 'error', caught: true, findings: [finding(why, 'no report'), ...reasonFindings(reasons)], exitCode: child.code, unexpected: 0, known: 0, unexpectedByKind: {}, lost: 0, duplicated: 0, reasons };
  }
  const r = JSON.parse(readFileSync(jsonFile, 'utf8')) as RehearsalJson;
  const unexpectedByKind = Object.fromEntries(Object.entries(r.divergences.byKind).filter(([, c]) => c.unexpected > 0).map(([k, c]) => [k, c.unexpected]));
  const findings = [
    ...Object.entries(unexpectedByKind).map(([k, n]) => finding(`${k} x${n}`, `unexpected ${k}`, n)),
    ...(r.messages.lost > 0 ? [finding(`lost ${r.messages.lost}`, 'lost', r.messages.lost, true)] : []),
    ...(r.messages.duplicated > 0 ? [finding(`duplicated ${r.messages.duplicated}`, 'duplicated', r.messages.duplicated, true)] : []),
    ...reasonFindings(reasons),
  ];
  return {
    status: r.verdict,
    caught: r.verdict !== 'pass' || r.divergences.unexpected > 0,
    findings,
    exitCode: child.code,
    unexpected: r.divergences.unexpected,
    known: r.divergences.known,
    unexpectedByKind,
    lost: r.messages.lost,
    duplicated: r.messages.duplicated,
    reasons,
  };
}

interface SoakJson {
  messages: { sent: number; delivered: number; lost: number };
  divergences: { unexpected: number; byKind?: Record<string, { known: number; unexpected: number }> };
  heapGrowthPct: number;
  leaked: { entries: number; timers: number; listeners: number };
}

/** The detail the soak prints (with its figures) as one indented JSON block among pino's lines. */
function soakDetail(stdout: string): { unexpectedSamples?: { kind: string }[] } | undefined {
  const start = stdout.indexOf('{\n  "peers"');
  if (start < 0) return undefined;
  const end = stdout.indexOf('\n}', start);
  if (end < 0) return undefined;
  try {
    return (JSON.parse(stdout.slice(start, end + 2)) as { detail?: { unexpectedSamples?: { kind: string }[] } }).detail;
  } catch {
    return undefined;
  }
}

function readSoak(child: ChildResult, jsonFile: string): SoakOutcome {
  const none = { entries: 0, timers: 0, listeners: 0 };
  if (!existsSync(jsonFile)) {
    const why = child.timedOut ? 'timed out' : `exited ${child.code ?? child.signal} without a report`;
    const last = child.stderr.trim().split('\n').pop() ?? '';
    return { status: 'error', caught: true, findings: [finding(`${why}${last ? `: ${last.slice(0, 80)}` : ''}`, 'no report')], exitCode: child.code, gateFailed: true, unexpected: 0, unexpectedByKind: {}, lost: 0, leaked: none, heapGrowthPct: null };
  }
  const r = JSON.parse(readFileSync(jsonFile, 'utf8')) as SoakJson;
  // By kind where the soak counts them so; else the kinds of the samples it printed.
  let unexpectedByKind: Record<string, number>;
  if (r.divergences.byKind) unexpectedByKind = Object.fromEntries(Object.entries(r.divergences.byKind).filter(([, c]) => c.unexpected > 0).map(([k, c]) => [k, c.unexpected]));
  else unexpectedByKind = Object.fromEntries((soakDetail(child.stdout)?.unexpectedSamples ?? []).map((s) => [s.kind, 0]));
  const kinds = Object.entries(unexpectedByKind);
  const { entries, timers, listeners } = r.leaked;
  const gateFailed = child.code !== 0;
  const findings = [
    ...kinds.map(([k, n]) => finding(n > 0 ? `${k} x${n}` : k, `unexpected ${k}`, n)),
    ...(r.divergences.unexpected > 0 && kinds.length === 0 ? [finding(`unexpected x${r.divergences.unexpected}`, 'unexpected', r.divergences.unexpected)] : []),
    ...(r.messages.lost > 0 ? [finding(`lost ${r.messages.lost}`, 'lost', r.messages.lost, true)] : []),
    ...(entries > 0 ? [finding(`leaked ${entries} entries`, 'leaked entries', entries, true)] : []),
    ...(timers > 0 ? [finding(`leaked ${timers} timers`, 'leaked timers', timers, true)] : []),
    ...(listeners > 0 ? [finding(`leaked ${listeners} listeners`, 'leaked listeners', listeners, true)] : []),
  ];
  if (gateFailed && findings.length === 0) findings.push(finding(`gate failed (exit ${child.code})`, 'gate'));
  return {
    status: gateFailed ? 'fail' : 'pass',
    caught: gateFailed || r.divergences.unexpected > 0 || r.messages.lost > 0 || entries + timers + listeners > 0,
    findings,
    exitCode: child.code,
    gateFailed,
    unexpected: r.divergences.unexpected,
    unexpectedByKind,
    lost: r.messages.lost,
    leaked: r.leaked,
    heapGrowthPct: r.heapGrowthPct,
  };
}

/**
 * The findings of `outcome` the baseline's same check did not make: absent from the baseline,
 * bigger (a leak, a loss), or a divergence kind counted far more often (at least 3x the
 * baseline's count plus 10: counts vary from run to run, a jump like that does not).
 */
function newFindings(outcome: Outcome, baseline: Outcome | undefined): Finding[] {
  if (!baseline) return outcome.findings;
  return outcome.findings.filter((f) => {
    const b = baseline.findings.find((x) => x.signal === f.signal);
    if (!b) return true;
    return f.byValue ? f.value > b.value : f.value >= 3 * b.value + 10;
  });
}

// --- one run ---------------------------------------------------------------------------------

/** Type errors the baseline build reported: not held against a mutant. */
const baselineErrors = new Set<string>();

function typeErrors(tscOutput: string): string[] {
  return tscOutput.split('\n').filter((l) => l.includes('error TS')).map((l) => l.trim());
}

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `${Math.round(ms / 1000)}`);
const texts = (fs: Finding[]): string => fs.map((f) => f.text).join('; ');

async function tryOne(s: Scratch, o: Options, mutant: Mutant | undefined, label: string, baseline: RunResult | undefined): Promise<RunResult> {
  const id = mutant?.id ?? 'baseline';
  const base = { id, area: mutant?.area ?? null, slip: mutant?.slip ?? 'the tree as it is (no patch): what the detectors report with no bug planted', shouldCatch: mutant?.shouldCatch ?? [] };
  const dir = join(s.dir, 'runs', id);
  mkdirSync(dir, { recursive: true });
  const say = (text: string): void => void process.stdout.write(`${label} ${id}: ${text}\n`);
  const report = (what: string, outcome: Outcome, ms: number, against: Outcome | undefined): void => {
    const fresh = mutant ? newFindings(outcome, against) : [];
    const rest = outcome.findings.filter((f) => !fresh.includes(f));
    const parts = [...(fresh.length ? [`new: ${texts(fresh)}`] : []), ...(rest.length ? [`${mutant ? 'as baseline: ' : ''}${texts(rest)}`] : [])];
    say(`${what} ${outcome.status}${outcome.caught ? ' (caught)' : ''} in ${secs(ms)} s${parts.length ? `: ${parts.join(' | ')}` : ''}`);
  };

  resetUnified(s);
  if (mutant) {
    const why = applyPatch(s, mutant);
    if (why) {
      say(`NOT APPLIED: ${why}`);
      return { ...base, error: `patch: ${why}`, ms: {} };
    }
  }
  const build = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', join(s.dir, 'build.tsbuildinfo')], {
    cwd: s.work,
    timeoutMs: 300_000,
    logFile: join(dir, 'build.log'),
    verbose: o.verbose,
  });
  // tsc emits in spite of type errors: errors the baseline has too (someone's work in progress
  // outside unified/) are reported once, with the baseline; a mutant fails on errors of its own.
  const errors = typeErrors(build.stdout);
  const own = errors.filter((e) => !baselineErrors.has(e));
  if (!mutant) for (const e of errors) baselineErrors.add(e);
  const emitted = existsSync(join(s.work, 'dist/src/cli.js'));
  if (build.timedOut || !emitted || (build.code !== 0 && errors.length === 0) || (mutant && own.length > 0)) {
    const first = own[0] ?? (build.timedOut ? 'timed out' : `exit ${build.code}`);
    say(`BUILD FAILED in ${secs(build.ms)} s: ${first}`);
    return { ...base, error: `build: ${first}`, ms: { build: build.ms } };
  }
  if (!mutant && errors.length > 0) {
    say(`WARNING: the tree does not type-check (${errors.length} error(s), first: ${errors[0]}); carrying on with what tsc emitted`);
  }
  say(`built in ${secs(build.ms)} s`);
  if (o.buildOnly) return { ...base, ms: { build: build.ms } };

  let rehearsal: RehearsalOutcome | undefined;
  let rehearsalMs: number | undefined;
  if (!o.skipRehearsal) {
    const json = join(dir, 'rehearsal.json');
    const child = await run(
      process.execPath,
      ['dist/src/cli.js', 'rehearse', '--base-address', o.baseAddress, '--port', String(o.port), '--admin-port', String(o.adminPort), '--json', json, '--work-dir', join(dir, 'rehearsal')],
      { cwd: s.work, timeoutMs: 360_000, logFile: join(dir, 'rehearsal.log'), verbose: o.verbose },
    );
    rehearsal = readRehearsal(child, json);
    rehearsalMs = child.ms;
    report('rehearsal', rehearsal, child.ms, baseline?.rehearsal);
  }
  let soak: SoakOutcome | undefined;
  let soakMs: number | undefined;
  if (!o.skipSoak) {
    const json = join(dir, 'soak.json');
    // Its own loopback addresses, where this build's soak takes them (older ones have fixed ones).
    const soakCli = join(s.work, 'dist/src/soak/cli.js');
    const addresses = readFileSync(soakCli, 'utf8').includes("'node-ip'") ? ['--node-ip', o.soakNodeIp, '--peer-net', o.soakPeerNet] : [];
    const child = await run(process.execPath, ['dist/src/soak/cli.js', '--duration', String(o.soakSeconds), '--json', json, '--gate', o.soakGate, ...addresses], {
      cwd: s.work,
      // Start (up to 15 s), the run, the drain (up to 10 s) and the reaper's pass, with room to
      // spare; and later than the soak's own hard stop (duration + 120 s), which says where it stood.
      timeoutMs: (o.soakSeconds + 150) * 1000,
      logFile: join(dir, 'soak.log'),
      verbose: o.verbose,
      graceMs: 5000,
    });
    soak = readSoak(child, json);
    soakMs = child.ms;
    report('soak', soak, child.ms, baseline?.soak);
  }
  return { ...base, ms: { build: build.ms, rehearsal: rehearsalMs, soak: soakMs }, rehearsal, soak };
}

// --- the table -------------------------------------------------------------------------------

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mutantCell(outcome: Outcome | undefined, baseline: Outcome | undefined, skipped: boolean): string {
  if (skipped || !outcome) return 'skipped';
  if (!outcome.caught) return 'not caught';
  const fresh = newFindings(outcome, baseline);
  const rest = outcome.findings.filter((f) => !fresh.includes(f));
  const parts = [...(fresh.length ? [`**${texts(fresh)}**`] : []), ...(rest.length ? [`as baseline: ${texts(rest)}`] : [])];
  return `caught${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

function baselineCell(outcome: Outcome | undefined, skipped: boolean): string {
  if (skipped || !outcome) return 'skipped';
  return outcome.caught ? `NOT CLEAN: ${texts(outcome.findings)}` : 'clean';
}

function table(results: RunResult[], o: Options): string {
  const b = results.find((r) => r.id === 'baseline');
  const rows = [
    '| mutant | area | slip | should be caught by | rehearsal | soak | time (s): build+rehearsal+soak |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const area = r.area === null ? '-' : `${r.area} ${AREAS[r.area as keyof typeof AREAS]}`;
    const time = `${secs(r.ms.build)}+${secs(r.ms.rehearsal)}+${secs(r.ms.soak)}`;
    let rehearsal: string;
    let soak: string;
    if (r.error) rehearsal = soak = `not run: ${r.error}`;
    else if (o.buildOnly) rehearsal = soak = 'built (--build-only)';
    else if (r === b) {
      rehearsal = baselineCell(r.rehearsal, o.skipRehearsal);
      soak = baselineCell(r.soak, o.skipSoak);
    } else {
      rehearsal = mutantCell(r.rehearsal, b?.rehearsal, o.skipRehearsal);
      soak = mutantCell(r.soak, b?.soak, o.skipSoak);
    }
    rows.push(`| ${cell(r.id)} | ${area} | ${cell(r.slip)} | ${r.shouldCatch.join(', ') || '-'} | ${cell(rehearsal)} | ${cell(soak)} | ${time} |`);
  }
  return rows.join('\n');
}

function summaryLine(mutants: RunResult[], baseline: RunResult | undefined): string {
  const tried = mutants.filter((r) => !r.error);
  const count = (pick: (r: RunResult) => boolean): number => tried.filter(pick).length;
  const byRehearsal = count((r) => r.rehearsal?.caught === true);
  const bySoak = count((r) => r.soak?.caught === true);
  const either = count((r) => r.rehearsal?.caught === true || r.soak?.caught === true);
  const failed = mutants.length - tried.length;
  let line = `caught ${byRehearsal} of ${tried.length} by the rehearsal, ${bySoak} of ${tried.length} by the soak (${either} by either)`;
  if (baseline && (baseline.rehearsal?.caught || baseline.soak?.caught)) {
    const fresh = (o: Outcome | undefined, b: Outcome | undefined): boolean => o?.caught === true && newFindings(o, b).length > 0;
    const nr = count((r) => fresh(r.rehearsal, baseline.rehearsal));
    const ns = count((r) => fresh(r.soak, baseline.soak));
    line += `; with a finding the baseline did not have: ${nr} by the rehearsal, ${ns} by the soak`;
  }
  return `${line}${failed ? `; ${failed} not run (patch or build failed)` : ''}`;
}

// --- main ------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const mutants = selectMutants(o.only);
  const s = makeScratch();
  let interrupted = false;
  const cleanup = (): void => {
    for (const child of children) killGroup(child, 'SIGKILL');
    if (o.keep) process.stderr.write(`mutants: scratch kept in ${s.dir}\n`);
    else rmSync(s.dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nmutants: ${signal}: stopping ${children.size} child(ren) and removing ${s.dir}\n`);
    for (const child of children) killGroup(child, 'SIGTERM');
    const deadline = Date.now() + 5000;
    const wait = setInterval(() => {
      if (children.size === 0 || Date.now() > deadline) {
        clearInterval(wait);
        process.exit(130);
      }
    }, 100);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  const startedAt = new Date();
  const steps = ['build', ...(o.buildOnly || o.skipRehearsal ? [] : ['rehearsal']), ...(o.buildOnly || o.skipSoak ? [] : [`${o.soakSeconds} s soak`])];
  process.stdout.write(`mutants: ${mutants.length} mutant(s)${o.baseline ? ' and the baseline' : ''}; each: ${steps.join(', ')}; scratch copy in ${s.dir}\n`);
  const total = mutants.length + (o.baseline ? 1 : 0);
  let n = 0;
  const label = (): string => `[${String(++n).padStart(String(total).length)}/${total}]`;
  const results: RunResult[] = [];
  if (o.baseline) {
    const b = await tryOne(s, o, undefined, label(), undefined);
    results.push(b);
    if (b.error) {
      process.stderr.write(`mutants: the baseline does not build (${b.error}); nothing to compare against\n`);
      return 1;
    }
    if (baselineErrors.size > 0) process.stdout.write(`mutants: the baseline's ${baselineErrors.size} type error(s), all outside any patch, are ignored in the mutants' builds:\n${[...baselineErrors].slice(0, 5).map((e) => `  ${e}\n`).join('')}`);
  }
  const baseline = results[0];
  for (const m of mutants) {
    if (interrupted) break;
    results.push(await tryOne(s, o, m, label(), baseline));
  }
  const mutantResults = results.filter((r) => r !== baseline);
  const interruptedNote = interrupted ? `\ninterrupted: partial results (the last run was cut short)\n` : '';
  const markdown = `${table(results, o)}\n\n${o.buildOnly ? `built ${mutantResults.filter((r) => !r.error).length} of ${mutantResults.length}` : summaryLine(mutantResults, baseline)}\n${interruptedNote}`;
  process.stdout.write(`\n${markdown}`);
  if (baseline && (baseline.rehearsal?.caught || baseline.soak?.caught)) {
    process.stdout.write('\nWARNING: the baseline itself was flagged: a mutant caught only for the reasons the baseline was ("as baseline") may be noise, not a detection; its own findings are in bold.\n');
  }
  if (o.markdown) writeFileSync(o.markdown, markdown);
  if (o.json) {
    const report = { startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), options: o, baseline, mutants: mutantResults, summary: summaryLine(mutantResults, baseline) };
    writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (interrupted) return 130;
  return mutantResults.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mutants: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
