/**
 * npm run soak -- [--duration <s>] [--peers <n>] [--json <file>] [--gate lost,divergences,heap,leaks,stale]
 *                  [--node-ip 127.0.59.1] [--peer-net 127.0.58] [--processes <n>]
 * [--log-level warn] sends the pool's own log (each divergence as found) to stderr.
 * Exits 0 when every gated target is met (all five by default), 1 otherwise, 2 on bad arguments.
 * `divergences` fails on any unexpected divergence, of any kind. A missed target that is not
 * gated is still printed, as a warning. After the JSON, a summary: the mode walk phase by phase,
 * divergences by kind (every kind) and what the shadow verification covered.
 */
import { writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { mirrorResetText } from '../dual/shadow/coverage.js';
import { DIVERGENCE_KINDS } from '../dual/shadow/divergence.js';
import { missedTargets, runSoak, SOAK_NODE_IP, SOAK_PEER_NET, SOAK_TARGETS, type SoakResult, type SoakTarget } from './soak-runner.js';

async function main(): Promise<number> {
  let values: { duration?: string; peers?: string; json?: string; processes?: string; gate?: string; 'node-ip'?: string; 'peer-net'?: string; 'log-level'?: string };
  try {
    ({ values } = parseArgs({
      options: { duration: { type: 'string' }, peers: { type: 'string' }, json: { type: 'string' }, processes: { type: 'string' }, gate: { type: 'string' }, 'node-ip': { type: 'string' }, 'peer-net': { type: 'string' }, 'log-level': { type: 'string' } },
    }));
  } catch (err) {
    return bad((err as Error).message);
  }
  const durationS = Number(values.duration ?? 180);
  const peers = Number(values.peers ?? 200);
  const processes = Number(values.processes ?? 4);
  if (!(durationS > 0 && durationS <= 3600)) return bad(`--duration must be a number of seconds in (0, 3600], got ${JSON.stringify(values.duration)}`);
  if (!(Number.isInteger(peers) && peers > 0 && peers <= 250)) return bad(`--peers must be an integer in 1..250, got ${JSON.stringify(values.peers)}`);
  if (!(Number.isInteger(processes) && processes > 0 && processes <= 16)) return bad(`--processes must be an integer in 1..16, got ${JSON.stringify(values.processes)}`);
  const nodeIp = values['node-ip'] ?? SOAK_NODE_IP;
  const peerNet = values['peer-net'] ?? SOAK_PEER_NET;
  if (!isIPv4(nodeIp) || !nodeIp.startsWith('127.')) return bad(`--node-ip must be an IPv4 loopback address (127.x.y.z), got ${JSON.stringify(nodeIp)}`);
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(peerNet) || !isIPv4(`${peerNet}.1`)) return bad(`--peer-net must be the first three octets of a loopback /24 (127.x.y), got ${JSON.stringify(peerNet)}`);
  if (nodeIp.startsWith(`${peerNet}.`)) return bad(`--node-ip ${nodeIp} must lie outside --peer-net ${peerNet}`);
  const logLevel = values['log-level'] ?? 'silent';
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(logLevel)) return bad(`--log-level must be one of silent, error, warn, info, debug, got ${JSON.stringify(logLevel)}`);
  const poolLogger = pino({ level: logLevel }, pino.destination(2));
  const gate = (values.gate ?? SOAK_TARGETS.join(',')).split(',').filter(Boolean);
  const unknown = gate.filter((g) => !(SOAK_TARGETS as readonly string[]).includes(g));
  if (unknown.length > 0) return bad(`--gate: unknown target ${unknown.join(', ')} (known: ${SOAK_TARGETS.join(', ')})`);
  // Bounded, whatever happens inside: a soak that has not finished two minutes after its duration
  // (a mode switch that never drains, say) fails with a line that says so, never hangs CI.
  const hardStopMs = (durationS + 120) * 1000;
  let waitState: (() => Record<string, unknown>) | undefined;
  const hardStop = setTimeout(() => {
    console.error(`soak: did not finish within ${hardStopMs / 1000} s (duration ${durationS} s + 120 s): stopped`);
    // Where it stood and what the pool was waiting on: what a hang needs to be found.
    if (waitState) console.error(`soak: stuck at ${JSON.stringify(waitState())}`);
    process.exit(3);
  }, hardStopMs);
  hardStop.unref();
  const { detail, ...figures } = await runSoak({ durationS, peers, processes, nodeIp, peerNet, poolLogger, onWaitState: (describe) => (waitState = describe) });
  clearTimeout(hardStop);
  const result: SoakResult = figures;
  console.log(JSON.stringify({ ...result, detail }, null, 2));
  console.log(summary(result));
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
  const missed = missedTargets(result);
  const failing = missed.filter((m) => gate.includes(m.target as SoakTarget));
  for (const m of missed) if (!failing.includes(m)) console.warn(`soak: WARNING, target missed (not gated): ${m.reason}`);
  if (failing.length > 0) {
    console.error(`soak: targets missed: ${failing.map((m) => m.reason).join('; ')}`);
    return 1;
  }
  console.log(missed.length === 0 ? 'soak: every target met' : `soak: gated targets met (${gate.join(', ')})`);
  return 0;
}

/** The mode walk, divergences by kind and coverage, as text. */
export function summary(r: SoakResult): string {
  const lines = ['soak: phases'];
  for (const p of r.phases) {
    const unexpected = Object.values(p.divergences).reduce((n, c) => n + c.unexpected, 0);
    lines.push(
      `  ${p.mode.padEnd(7)} ${String(p.fromS).padStart(6)}s-${String(p.toS).padStart(6)}s${p.forced ? ' (gate forced)' : ''}: ${p.sends} sends (${p.sendFailures} failed), ${p.silences} silenced, ${p.staleRemovals} stale removals, ${p.replacements} replaced, ${p.crossDials} cross-dials (${p.crossDialsConnected} connected)${p.hangs > 0 ? `, ${p.hangs} stalled in their close (${p.hangBroadcasts} broadcast meanwhile)` : ''}; compared ${p.coverage.reads} reads, ${p.coverage.writes} writes, ${p.coverage.events} events, ${p.coverage.staleRemovals} stale removals, ${p.coverage.replacements} replacements${p.coverage.mirrorResets > 0 ? ` (legacy mirror stuck, replaced ${p.coverage.mirrorResets}x, ${p.coverage.writesNotCompared} writes not compared)` : ''}; ${unexpected} unexpected divergences`,
    );
  }
  lines.push(`soak: divergences ${r.divergences.known + r.divergences.unexpected} (${r.divergences.known} known, ${r.divergences.unexpected} unexpected); by kind, known/unexpected:`);
  for (const kind of DIVERGENCE_KINDS) {
    const c = r.divergences.byKind[kind];
    lines.push(`  ${kind.padEnd(18)} ${String(c?.known ?? 0).padStart(6)} / ${c?.unexpected ?? 0}`);
  }
  const c = r.coverage;
  const ops = (x: Readonly<Record<string, number>>): string => Object.entries(x).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  lines.push(`soak: coverage: stale removals ${c.staleRemovals}, replacements ${c.replacements}, events ${c.events}, message counts ${c.messageChecks}, liveness evidence ${c.livenessEvidence}, resource checks ${c.resourceChecks}`);
  if (c.mirrorResets > 0 || c.writesNotCompared > 0) lines.push(`soak: ${mirrorResetText(c)}`);
  lines.push(`  reads: ${ops(c.reads)}`, `  writes: ${ops(c.writes)}`);
  const s = r.scenarios;
  lines.push(`soak: scenarios: ${s.silences} peers silenced past the stale bound, ${s.staleRemovals} stale removals; ${s.replacementsAsked} restarts with changed info asked, ${s.replacementsAccepted} accepted beside the old socket; ${s.crossDials} simultaneous dials (${s.crossDialsConnected} connects resolved); ${s.hangingCloses} closes stalled in live`);
  const never = (['staleRemovals', 'replacements', 'events', 'livenessEvidence', 'resourceChecks'] as const).filter((k) => c[k] === 0);
  if (never.length > 0) lines.push(`soak: never exercised: ${never.join(', ')}: this pass does not cover them`);
  return lines.join('\n');
}

/** A usage error: one line naming the option and the value, exit 2. */
function bad(message: string): number {
  console.error(`soak: ${message}`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
