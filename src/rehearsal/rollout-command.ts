import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { findPrometheus } from '../fleet/prometheus-server.js';
import { formatDuration } from '../node/duration.js';
import { FAULT_KINDS } from '../node/manager-faults.js';
import { cliValues } from './cli-values.js';
import { currentCli } from './plan.js';
import { ROLLOUT_DEFAULTS as D } from './rollout-plan.js';
import { RolloutRehearsal, type RolloutResult } from './rollout.js';
import { renderRolloutHtml } from './rollout-report.js';

interface RawOptions {
  nodes: string;
  baseAddress: string;
  port: string;
  adminPort: string;
  prometheusPort: string;
  gateWindow: string;
  gateTimeout: string;
  soak: string;
  keepAlive: string;
  canaryFault: string;
  json?: string;
  html?: string;
  workDir?: string;
}

const values = cliValues('rehearse-rollout');
// Annotated: a `never` function narrows control flow only when its declaration says so.
const fail: (message: string) => never = values.fail;
const { ms, int, baseAddress } = values;

/** The roll-out as a person reads it: stages, the gate's decisions, each node's lane. */
export function rolloutText(r: RolloutResult): string {
  const lines = ['', 'stages:'];
  for (const s of r.stages) lines.push(`  ${(s.at / 1000).toFixed(1).padStart(6)} s  ${s.name}${s.live.length > 0 ? ` (live: ${s.live.join(', ')})` : ''}`);
  lines.push('fleet gate decisions:');
  for (const g of r.gate) lines.push(`  ${(g.at / 1000).toFixed(1).padStart(6)} s  before ${g.before}: ${g.open ? 'open' : `held by ${g.heldBy.join(' | ')}`}`);
  if (r.rollback) {
    const held = r.rollback.heldAt === null ? 'never held' : `held ${((r.rollback.heldAt - r.rollback.plantedAt) / 1000).toFixed(1)} s after the bad build started`;
    lines.push(`canary rollback: fault ${r.rollback.fault}; the gate ${held}${r.rollback.rolledBackAt !== null ? `; rolled back at ${(r.rollback.rolledBackAt / 1000).toFixed(1)} s` : ''}`);
  }
  lines.push('modes by node:');
  for (const [name, lane] of Object.entries(r.lanes)) lines.push(`  ${name.padEnd(4)} ${lane.map((s) => `${s.mode}@${(s.at / 1000).toFixed(1)}s`).join(' -> ')}`);
  for (const reason of r.reasons) lines.push(`FAIL: ${reason}`);
  lines.push(r.verdict);
  return lines.join('\n');
}

/** `poolshift rehearse-rollout`: a canary roll-out driven by a flagd definition, held by the fleet gate read from a real Prometheus. */
export function rolloutCommand(): Command {
  return new Command('rehearse-rollout')
    .description('rehearse a fleet roll-out: N nodes on a flagd definition, a real Prometheus scraping them, the fleet gate between stages (all shadow, canary live, a bad canary build rolled back, half live, all live)')
    .option('--nodes <n>', 'node processes', String(D.nodes))
    .option('--base-address <ip>', 'first node\'s loopback address; the others follow, Prometheus on the one after the last', D.baseAddress)
    .option('--port <port>', 'peer port of every node', String(D.port))
    .option('--admin-port <port>', 'admin port of every node (its /metrics)', String(D.adminPort))
    .option('--prometheus-port <port>', 'Prometheus\'s port', String(D.prometheusPort))
    .option('--gate-window <duration>', 'the fleet gate\'s window between stages', formatDuration(D.gateWindowMs))
    .option('--gate-timeout <duration>', 'how long a stage waits for the fleet gate', formatDuration(D.gateTimeoutMs))
    .option('--soak <duration>', 'traffic time in each stage before the gate is asked', formatDuration(D.soakMs))
    .option('--keep-alive <duration>', 'keep-alive interval of the nodes (their stale bound is four times it); longer for a large fleet on a small machine', formatDuration(D.keepAliveMs))
    .option('--canary-fault <kind>', `the fault the canary's bad build carries: ${FAULT_KINDS.join(', ')}`, D.canaryFault)
    .option('--json <file>', 'write the result as JSON')
    .option('--html <file>', 'write a report: a lane per node (its mode over time), the stages, the gate\'s decisions')
    .option('--work-dir <dir>', 'node logs, the flagd definition and Prometheus\'s data (default: a new temporary folder)')
    .action(async (raw: RawOptions) => {
      const nodes = int('--nodes', raw.nodes, 2, 200);
      // The nodes and Prometheus, on the address after the last.
      baseAddress(raw.baseAddress, nodes + 1);
      if (!(FAULT_KINDS as readonly string[]).includes(raw.canaryFault)) fail(`--canary-fault must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(raw.canaryFault)}`);
      const binary = findPrometheus();
      if (!binary) {
        process.stderr.write('poolshift rehearse-rollout: needs a prometheus binary (Debian: apt-get install prometheus); the fleet gate reads only Prometheus\n');
        process.exitCode = 1;
        return;
      }
      const rollout = new RolloutRehearsal(
        {
          nodes,
          baseAddress: raw.baseAddress,
          port: int('--port', raw.port, 1, 65535),
          adminPort: int('--admin-port', raw.adminPort, 1, 65535),
          prometheusPort: int('--prometheus-port', raw.prometheusPort, 1, 65535),
          gateWindowMs: ms('--gate-window', raw.gateWindow),
          gateTimeoutMs: ms('--gate-timeout', raw.gateTimeout),
          soakMs: ms('--soak', raw.soak),
          keepAliveMs: ms('--keep-alive', raw.keepAlive),
          proposalIntervalMs: D.proposalIntervalMs,
          canaryFault: raw.canaryFault,
          nodeCommand: currentCli(),
          prometheusBinary: binary,
          workDir: raw.workDir ?? mkdtempSync(join(tmpdir(), 'poolshift-rollout-')),
        },
        (line) => process.stdout.write(`${line}\n`),
      );
      const onSignal = (): void => {
        rollout.killAll();
        process.exit(130);
      };
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const result = await rollout.run();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      if (raw.json) writeFileSync(raw.json, `${JSON.stringify(result, null, 2)}\n`);
      if (raw.html) writeFileSync(raw.html, renderRolloutHtml(result));
      process.stdout.write(`${rolloutText(result)}\n`);
      process.exitCode = result.verdict === 'pass' ? 0 : 1;
    });
}
