// flagd's flag-definition format, evaluated by flagd's own in-process evaluator
// (@openfeature/flagd-provider) from real files rewritten during the test.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagdFlagProvider } from '../../src/dual/flags/flagd-flag-provider.js';
import { bindModeFlag } from '../../src/dual/flags/mode-flag-binding.js';
import { ConfigError } from '../../src/contract/errors.js';
import { MODE_FLAG_KEY } from '../../src/dual/flags/mode-flag-provider.js';
import { captureLogs } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';
import { makePool } from './helpers/fixtures.js';
import { FlagdSyncServer } from '../helpers/flagd-sync-server.js';

// flagd's documented bucketing, computed apart from flagd: murmur3 (32 bit) of flag key + targeting
// key, scaled to the total weight; the first variant whose running weight exceeds it.
const MurmurHash3 = createRequire(import.meta.url)('imurmurhash') as (text: string) => { result(): number };
const liveAt = (nodeId: string, percent: number): boolean => (BigInt(MurmurHash3(MODE_FLAG_KEY + nodeId).result() >>> 0) * 100n) >> 32n < BigInt(percent);

/** A roll-out as a team writes it: per-node overrides, old versions held back, then a fraction of the rest live. */
function definition(livePercent: number, overrides: Record<string, string> = {}): string {
  const byNode = Object.entries(overrides).flatMap(([id, mode]) => [{ '==': [{ var: 'targetingKey' }, id] }, mode]);
  return JSON.stringify({
    $schema: 'https://flagd.dev/schema/v0/flags.json',
    flags: {
      [MODE_FLAG_KEY]: {
        state: 'ENABLED',
        variants: { legacy: 'legacy', shadow: 'shadow', live: 'live', unified: 'unified' },
        defaultVariant: 'shadow',
        targeting: {
          if: [...byNode, { sem_ver: [{ var: 'version' }, '<', '1.0.0'] }, 'legacy', { fractional: [['live', livePercent], ['shadow', 100 - livePercent]] }],
        },
      },
    },
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function definitionFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'poolshift-flagd-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'flags.flagd.json');
  await writeFile(file, text);
  return file;
}

/** Replaced as config management does (write a temporary, rename over). */
async function rewrite(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

function fleet(file: string, ids: readonly string[], version = '1.2.0') {
  const log = captureLogs();
  const nodes = ids.map((id) => {
    const provider = new FlagdFlagProvider({ source: { file }, targetingKey: id, attributes: { version }, logger: log.logger });
    const node = { id, provider, changes: 0 };
    provider.watch(() => void node.changes++);
    cleanup.push(() => provider.close());
    return node;
  });
  return { nodes, log };
}

const IDS = Array.from({ length: 40 }, (_, i) => `node-${i + 1}`);

describe('flagd flag source', () => {
  it('a fractional roll-out of 10 % puts the expected nodes live; growing it to 50 % only adds nodes', async () => {
    const file = await definitionFile(definition(10));
    const { nodes } = fleet(file, IDS);
    const modes = async (): Promise<Map<string, unknown>> => new Map(await Promise.all(nodes.map(async (n) => [n.id, await n.provider.read()] as const)));
    const at10 = await modes();
    const live10 = IDS.filter((id) => at10.get(id) === 'live');
    expect(live10).toEqual(IDS.filter((id) => liveAt(id, 10)));
    expect(live10.length, 'some node is in the 10 %').toBeGreaterThan(0);
    expect(IDS.filter((id) => at10.get(id) === 'shadow')).toEqual(IDS.filter((id) => !liveAt(id, 10)));

    // (A watcher is told once at once when the source is ready: counted from here.)
    for (const n of nodes) n.changes = 0;
    await rewrite(file, definition(50));
    // flagd polls the file (fs.watchFile, 5 s): each node is told of the change, then re-reads.
    await waitFor(() => nodes.every((n) => n.changes > 0), 'every node told of the new definition', 15_000);
    const at50 = await modes();
    const live50 = IDS.filter((id) => at50.get(id) === 'live');
    expect(live50).toEqual(IDS.filter((id) => liveAt(id, 50)));
    expect(live50.length).toBeGreaterThan(live10.length);
    // Monotonic: no node that was live goes back to shadow when the roll-out grows.
    for (const id of live10) expect(at50.get(id), id).toBe('live');
  }, 30_000);

  it('per-node overrides win over the fraction, and a rule on the version holds old nodes back', async () => {
    const file = await definitionFile(definition(100, { 'node-3': 'unified', 'node-4': 'legacy' }));
    const current = fleet(file, ['node-3', 'node-4', 'node-5']);
    const old = fleet(file, ['node-6'], '0.9.2');
    expect(await Promise.all(current.nodes.map((n) => n.provider.read()))).toEqual(['unified', 'legacy', 'live']);
    expect(await old.nodes[0]!.provider.read()).toBe('legacy');
  });

  it('a definition that does not parse is logged and the last good one stays; a missing file is a ConfigError at read', async () => {
    const file = await definitionFile(definition(100));
    const { nodes, log } = fleet(file, ['node-1']);
    expect(await nodes[0]!.provider.read()).toBe('live');
    await rewrite(file, '{ "flags": { broken');
    await waitFor(() => log.lines.some((l) => l.level >= 50), 'flagd logs the broken definition', 15_000);
    expect(await nodes[0]!.provider.read()).toBe('live');

    const missing = new FlagdFlagProvider({ source: { file: join(tmpdir(), 'poolshift-no-such-flagd.json') }, targetingKey: 'n', logger: log.logger });
    cleanup.push(() => missing.close());
    await expect(missing.read()).rejects.toBeInstanceOf(ConfigError);
  }, 30_000);

  it('a change of the definition switches a bound pool without a restart, through the binding', async () => {
    const file = await definitionFile(definition(0));
    const log = captureLogs();
    const { pool } = makePool({ mode: 'legacy', logger: log.logger });
    cleanup.push(() => pool.close());
    const provider = new FlagdFlagProvider({ source: { file }, targetingKey: 'node-1', attributes: { version: '1.2.0' }, logger: log.logger });
    const binding = bindModeFlag(pool, provider, log.logger);
    cleanup.push(async () => {
      await binding.close();
      await provider.close();
    });
    await binding.ready;
    expect(pool.mode).toBe('shadow');
    await rewrite(file, definition(0, { 'node-1': 'legacy' }));
    await waitFor(() => pool.mode === 'legacy', 'the pool rolled back to legacy by the new definition', 15_000);
    expect(log.find(/pool mode changed: shadow -> legacy/)).toBeDefined();
  }, 30_000);

  it('the same definition from a flagd daemon\'s sync service (flagd-sync:<host:port>): read at connect, a pushed change switches the node', async () => {
    const server = new FlagdSyncServer(definition(0));
    const port = await server.listen('127.0.145.1');
    cleanup.push(async () => server.close());
    const log = captureLogs();
    const provider = new FlagdFlagProvider({ source: { host: '127.0.145.1', port }, targetingKey: 'node-1', attributes: { version: '1.2.0' }, logger: log.logger });
    cleanup.push(() => provider.close());
    expect(provider.source).toBe(`flagd sync 127.0.145.1:${port}`);
    expect(await provider.read()).toBe('shadow');
    let changes = 0;
    provider.watch(() => void changes++);
    changes = 0;
    server.push(definition(0, { 'node-1': 'live' }));
    await waitFor(() => changes > 0, 'the provider told of the pushed definition', 10_000);
    expect(await provider.read()).toBe('live');
    const other = new FlagdFlagProvider({ source: { host: '127.0.145.1', port }, targetingKey: 'node-2', attributes: { version: '1.2.0' }, logger: log.logger });
    cleanup.push(() => other.close());
    expect(await other.read()).toBe('shadow');
  }, 30_000);
});
