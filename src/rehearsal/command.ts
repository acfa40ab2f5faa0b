import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { formatDuration } from '../node/duration.js';
import { FAULT_KINDS, EXPECTED_DIVERGENCE, type FaultKind } from '../node/manager-faults.js';
import { renderHtmlReport } from './html-report.js';
import { cliValues } from './cli-values.js';
import { currentCli, REHEARSAL_DEFAULTS as D, type RehearsalOptions } from './plan.js';
import { progressPrinter } from './progress.js';
import { Rehearsal } from './rehearsal.js';
import type { RehearsalResult } from './report.js';
import { DIVERGENCE_KINDS } from '../dual/shadow/divergence.js';
import { mirrorResetText, type Coverage } from '../dual/shadow/coverage.js';

interface RawOptions {
  nodes: string;
  witness: boolean;
  duration: string;
  baseAddress: string;
  port: string;
  adminPort: string;
  keepAlive: string;
  pingTimeout?: string;
  staleAfter: string;
  snapshotInterval: string;
  proposalInterval: string;
  settle: string;
  injectFault?: FaultKind;
  json?: string;
  html?: string;
  workDir?: string;
}

const values = cliValues('rehearse');
// Annotated: a `never` function narrows control flow only when its declaration says so.
const fail: (message: string) => never = values.fail;
const { ms, int, baseAddress } = values;

/** `poolshift rehearse`: a whole migration on a local cluster (what `npm start` runs). */
export function rehearseCommand(): Command {
  return new Command('rehearse')
    .description('rehearse a migration on a local cluster: N nodes, the flag through every stage and back, real faults, a verdict')
    .option('--nodes <n>', 'node processes', String(D.nodes))
    .option('--no-witness', 'no witness node (one more node that proposes nothing and removes a frozen peer by its reaper, as stale)')
    .option('--duration <duration>', 'the least time the stage walk takes: each of the 8 stages lasts at least an eighth of it, longer while its faults play out (each fault waits for its detection, up to 3 times its bound; a frozen node for the witness to reap it as stale); startup (up to 20 s) and shutdown come on top', formatDuration(D.durationMs))
    .option('--base-address <ip>', 'first node\'s loopback address; the others follow', D.baseAddress)
    .option('--port <port>', 'peer port of every node (each on its own address)', String(D.port))
    .option('--admin-port <port>', 'admin port of every node', String(D.adminPort))
    .option('--keep-alive <duration>', 'keep-alive interval of the nodes; faults must be detected within twice it', formatDuration(D.keepAliveMs))
    .option('--ping-timeout <duration>', 'unanswered ping timeout (default: 3/4 of the keep-alive)')
    .option('--stale-after <duration>', 'staleness bound of the nodes', formatDuration(D.staleAfterMs))
    .option('--snapshot-interval <duration>', 'period of the shadow snapshot comparison', formatDuration(D.snapshotIntervalMs))
    .option('--proposal-interval <duration>', 'one block proposal (from the next node in turn) this often', formatDuration(D.proposalIntervalMs))
    .option('--settle <duration>', 'time a message may be in flight before it counts as lost', formatDuration(D.settleMs))
    .addOption(new Option('--inject-fault <kind>', 'plant a defect in one node\'s unified manager: the rehearsal must then fail').choices([...FAULT_KINDS]))
    .option('--json <file>', 'write the report as JSON')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--work-dir <dir>', 'where node logs and flag files go (default: a new temporary folder)')
    .action(async (raw: RawOptions) => {
      const keepAliveMs = ms('--keep-alive', raw.keepAlive);
      const nodes = int('--nodes', raw.nodes, 2, 200);
      const witness = raw.witness !== false;
      const options: RehearsalOptions = {
        nodes,
        witness,
        durationMs: ms('--duration', raw.duration),
        baseAddress: baseAddress(raw.baseAddress, nodes + (witness ? 1 : 0)),
        port: int('--port', raw.port, 1, 65535),
        adminPort: int('--admin-port', raw.adminPort, 1, 65535),
        keepAliveMs,
        pingTimeoutMs: raw.pingTimeout === undefined ? Math.max(50, Math.round((keepAliveMs * 3) / 4)) : ms('--ping-timeout', raw.pingTimeout),
        staleAfterMs: ms('--stale-after', raw.staleAfter),
        snapshotIntervalMs: ms('--snapshot-interval', raw.snapshotInterval),
        proposalIntervalMs: ms('--proposal-interval', raw.proposalInterval),
        settleMs: ms('--settle', raw.settle),
        injectFault: raw.injectFault,
        nodeCommand: currentCli(),
        workDir: raw.workDir,
      };
      if (options.staleAfterMs < keepAliveMs) fail(`--stale-after (${raw.staleAfter}) must not be shorter than --keep-alive (${raw.keepAlive})`);
      const out = process.stdout;
      const printer = progressPrinter(out);
      const abort = new AbortController();
      let rehearsal: Rehearsal;
      try {
        rehearsal = new Rehearsal(options, { signal: abort.signal, onProgress: printer.write });
      } catch (err) {
        fail((err as Error).message);
      }
      const onSignal = (signal: NodeJS.Signals): void => {
        out.write(`\n${signal}: stopping the rehearsal and its nodes\n`);
        abort.abort();
      };
      const onExit = (): void => rehearsal.killAll();
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('exit', onExit);
      out.write(`poolshift rehearsal: ${options.nodes} nodes, stage walk of ${formatDuration(options.durationMs)} at the least, keep-alive ${formatDuration(keepAliveMs)}${options.injectFault ? `, injected fault: ${options.injectFault} (expect ${EXPECTED_DIVERGENCE[options.injectFault]})` : ''}\n`);
      let result: RehearsalResult;
      try {
        result = await rehearsal.run();
      } finally {
        printer.end();
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('exit', onExit);
      }
      out.write(summary(result));
      if (raw.json) writeFileSync(raw.json, `${JSON.stringify(result.report, null, 2)}\n`);
      if (raw.html) writeFileSync(raw.html, renderHtmlReport(result));
      if (raw.json) out.write(`report: ${raw.json}\n`);
      if (raw.html) out.write(`html report: ${raw.html}\n`);
      out.write(`${result.report.verdict}\n`);
      process.exitCode = result.report.verdict === 'pass' ? 0 : 1;
    });
}

/** One coverage as a line: the scenario counters, then the comparisons per read and write. */
export function coverageLine(c: Coverage): string {
  const ops = (r: Readonly<Record<string, number>>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return `stale removals ${c.staleRemovals}, replacements ${c.replacements}, events ${c.events}, message counts ${c.messageChecks}, liveness evidence ${c.livenessEvidence}, resource checks ${c.resourceChecks}${c.mirrorResets > 0 || c.writesNotCompared > 0 ? `; ${mirrorResetText(c)}` : ''}; reads: ${ops(c.reads)}; writes: ${ops(c.writes)}`;
}

/** The end of the run, as text. */
export function summary(result: RehearsalResult): string {
  const r = result.report;
  const lines = ['', `stages (${r.stages.length}):`];
  for (const s of r.stages) {
    const rate = s.consistencyRate === null ? 'no comparisons' : `consistency ${(s.consistencyRate * 100).toFixed(3)}% over ${s.checks} checks`;
    lines.push(`  ${s.mode.padEnd(8)} ${(s.startedAt / 1000).toFixed(1).padStart(5)}s-${(s.endedAt / 1000).toFixed(1).padStart(5)}s  ${rate}`);
  }
  lines.push('faults:');
  for (const f of r.faults) {
    const bound = result.bounds[f.kind];
    lines.push(`  ${f.kind.padEnd(8)} ${f.node.padEnd(12)} at ${(f.at / 1000).toFixed(1)}s  ${f.detectedAfterMs === null ? 'NOT detected' : `detected after ${f.detectedAfterMs} ms`} (bound ${bound} ms)`);
  }
  const d = r.divergences;
  lines.push(`divergences: ${d.total} (${d.known} known, ${d.unexpected} unexpected); by kind, known/unexpected:`);
  for (const kind of DIVERGENCE_KINDS) {
    const c = d.byKind[kind] ?? { known: 0, unexpected: 0 };
    lines.push(`  ${kind.padEnd(18)} ${String(c.known).padStart(6)} / ${c.unexpected}`);
  }
  const cov = r.coverage;
  lines.push(`coverage (summed over the nodes): ${coverageLine(cov.total)}`);
  for (const [name, c] of Object.entries(cov.byNode)) lines.push(`  ${name.padEnd(8)} ${coverageLine(c)}`);
  const never = (['staleRemovals', 'replacements', 'events', 'livenessEvidence', 'resourceChecks'] as const).filter((k) => cov.total[k] === 0);
  if (never.length > 0) lines.push(`  never exercised: ${never.join(', ')}: this pass does not cover them`);
  const m = r.messages;
  lines.push(`messages: ${m.sent} sent, ${m.delivered} delivered, ${m.lost} lost, ${m.duplicated} duplicated`);
  lines.push(`nodes: ${r.nodes}, duration ${(r.durationMs / 1000).toFixed(1)}s, logs in ${result.workDir}`);
  const first = r.stages[0];
  const last = r.stages[r.stages.length - 1];
  if (first && last) lines.push(`stage walk: ${((last.endedAt - first.startedAt) / 1000).toFixed(1)}s (--duration ${formatDuration(r.run.options.durationMs)}: the least it takes; a stage lasts longer while its faults play out)`);
  lines.push(`ran ${r.run.startedAt}, poolshift ${r.run.version}, Node ${r.run.node}`);
  if (result.reasons.length > 0) lines.push('why it failed:', ...result.reasons.map((x) => `  ${x}`));
  return `${lines.join('\n')}\n`;
}
