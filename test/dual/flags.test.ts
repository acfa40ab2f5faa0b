import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvFlagProvider } from '../../src/dual/flags/env-flag-provider.js';
import { FileFlagProvider } from '../../src/dual/flags/file-flag-provider.js';
import { bindModeFlag, initialMode, type ModeFlagBinding } from '../../src/dual/flags/mode-flag-binding.js';
import type { DualModePool } from '../../src/dual/dual-mode-pool.js';
import type { Logger } from 'pino';
import { OpenFeatureFlagProvider } from '../../src/dual/flags/openfeature-flag-provider.js';
import { waitFor } from '../helpers/wait.js';
import { makePool } from './helpers/fixtures.js';
import { captureLogs, type LogLine } from '../helpers/log-capture.js';

/**
 * Replaced whole (written aside, renamed over), as config management does: a write in place can
 * be read truncated by a watch event in between, which is another problem than the one meant.
 */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A flag file's path (holding `text` if given), in a directory removed after the test. */
async function flagFilePath(text?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'poolshift-flags-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'flags.json');
  if (text !== undefined) await writeFile(path, text);
  return path;
}

/** `pool` bound to `provider`; the binding, the provider and the pool are closed after the test. */
function bound(pool: DualModePool, provider: FileFlagProvider, logger: Logger, options?: Parameters<typeof bindModeFlag>[3]): ModeFlagBinding {
  const binding = bindModeFlag(pool, provider, logger, options);
  cleanup.push(async () => {
    await binding.close();
    await provider.close();
    await pool.close();
  });
  return binding;
}

describe('env POOLSHIFT_MODE', () => {
  it('reads the mode; absent means legacy and the log says so; invalid keeps legacy and logs the value', async () => {
    const log = captureLogs();
    expect(await initialMode(new EnvFlagProvider({ POOLSHIFT_MODE: 'shadow' }), log.logger)).toBe('shadow');
    expect(await initialMode(new EnvFlagProvider({}), log.logger)).toBe('legacy');
    expect(log.find(/no mode flag configured: mode is legacy/)).toBeDefined();
    expect(await initialMode(new EnvFlagProvider({ POOLSHIFT_MODE: 'turbo' }), log.logger)).toBe('legacy');
    const err = log.find(/invalid mode flag value/);
    expect(err?.value).toBe('turbo');
    expect(err?.level).toBe(50);
  });

  it('an invalid value at runtime keeps the current mode', async () => {
    const log = captureLogs();
    const { pool } = makePool({ mode: 'shadow' });
    const binding = bindModeFlag(pool, new EnvFlagProvider({ POOLSHIFT_MODE: 'sideways' }), log.logger);
    await binding.ready;
    expect(pool.mode).toBe('shadow');
    expect(log.find(/invalid mode flag value "sideways": mode unchanged/)?.value).toBe('sideways');
    await binding.close();
    await pool.close();
  });
});

describe('the watched flag file', () => {
  it('switches the mode when the file changes (rewritten or replaced), per-node overrides win, bad JSON keeps the mode', async () => {
    const path = await flagFilePath();
    const log = captureLogs();
    const { pool } = makePool({ mode: 'legacy', gate: { minChecks: 0, minDurationMs: 0 } });
    const provider = new FileFlagProvider(path, { nodeId: 'dual-node' });
    const binding = bound(pool, provider, log.logger);
    await binding.ready;
    expect(log.find(/no mode flag configured/)).toBeDefined();
    await writeFile(path, JSON.stringify({ mode: 'shadow' }));
    await waitFor(() => pool.mode === 'shadow', 'shadow from the file');
    // Replaced atomically, as config management does: written aside, renamed over.
    await replaceFile(path, JSON.stringify({ mode: 'shadow', nodes: { 'dual-node': 'unified' } }));
    await waitFor(() => pool.mode === 'unified', 'walked shadow -> live -> unified');
    await writeFile(path, '{ "mode": ');
    await waitFor(() => log.find(/mode flag refused/)?.fault === 'invalid-json', 'bad JSON logged');
    expect(pool.mode).toBe('unified');
    await writeFile(path, JSON.stringify({ mode: 'legacy' }));
    await waitFor(() => pool.mode === 'legacy', 'rolled back to legacy');
  });

  it('a file that does not parse says where (line, column, what was expected), once however often it is read again', async () => {
    const path = await flagFilePath('{\n  "mode": shadow\n}\n');
    const log = captureLogs();
    const { pool } = makePool({ mode: 'legacy', gate: { minChecks: 0, minDurationMs: 0 } });
    const provider = new FileFlagProvider(path);
    const binding = bound(pool, provider, log.logger);
    await binding.ready;
    // Another watch event, an editor saving the same text: the same problem, not logged again.
    await binding.refresh();
    await binding.refresh();
    const refused = (): LogLine[] => log.lines.filter((l) => l.msg === 'mode flag refused: mode unchanged');
    expect(refused()).toHaveLength(1);
    expect(refused()[0]).toMatchObject({ level: 40, fault: 'invalid-json', code: 'POOLSHIFT_ERR_FLAG_FILE' });
    expect(refused()[0]!.err).toBe(`flag file ${path} refused (invalid-json): not JSON at line 2, column 11: invalid symbol ("\\"mode\\": shadow")`);
    expect(pool.mode).toBe('legacy');
    // Another mistake is a new problem; fixed and broken again, it is said again.
    await replaceFile(path, '{ "mode": "shadow", }');
    await binding.refresh();
    expect(refused().at(-1)!.err).toContain('line 1, column 21: property name expected');
    await replaceFile(path, '{ "mode": "shadow" }');
    await binding.refresh();
    expect(pool.mode).toBe('shadow');
    await replaceFile(path, '{\n  "mode": shadow\n}\n');
    await binding.refresh();
    await binding.refresh();
    expect(refused()).toHaveLength(3);
    expect(pool.mode).toBe('shadow');
  });

  it('a value that is not a mode is named in the message, once while it stays', async () => {
    const path = await flagFilePath(JSON.stringify({ mode: 'turbo' }));
    const log = captureLogs();
    const { pool } = makePool({ mode: 'legacy' });
    const provider = new FileFlagProvider(path);
    const binding = bound(pool, provider, log.logger);
    await binding.ready;
    await binding.refresh();
    expect(log.messages().filter((m) => m.startsWith('invalid mode flag value'))).toEqual(['invalid mode flag value "turbo": mode unchanged']);
  });

  it('an override for other node ids only (a typo of this node\'s id) is reported, once per set of ids', async () => {
    const path = await flagFilePath();
    const reported: (readonly string[])[] = [];
    const provider = new FileFlagProvider(path, { nodeId: 'canary-1', onOtherOverrides: (ids) => reported.push(ids) });
    cleanup.push(() => provider.close());
    await writeFile(path, JSON.stringify({ mode: 'legacy', nodes: { 'canary-l': 'live' } }));
    expect(await provider.read()).toBe('legacy');
    expect(await provider.read()).toBe('legacy');
    expect(reported).toEqual([['canary-l']]);
    await writeFile(path, JSON.stringify({ mode: 'legacy', nodes: { 'canary-1': 'live', other: 'shadow' } }));
    expect(await provider.read()).toBe('live');
    await writeFile(path, JSON.stringify({ mode: 'legacy', nodes: {} }));
    expect(await provider.read()).toBe('legacy');
    expect(reported).toEqual([['canary-l']]);
    await writeFile(path, JSON.stringify({ mode: 'legacy', nodes: { 'canary-l': 'live', 'canary-2': 'live' } }));
    expect(await provider.read()).toBe('legacy');
    expect(reported).toEqual([['canary-l'], ['canary-l', 'canary-2']]);
  });

  it('a gate refusal is logged and the mode stays', async () => {
    const path = await flagFilePath(JSON.stringify({ mode: 'live' }));
    const log = captureLogs();
    const { pool } = makePool({ mode: 'shadow', gate: { minChecks: 1000 } });
    const provider = new FileFlagProvider(path);
    const binding = bound(pool, provider, log.logger);
    await binding.ready;
    expect(pool.mode).toBe('shadow');
    expect(log.find(/mode flag not applied/)?.code).toBe('POOLSHIFT_ERR_PROMOTION_REFUSED');
  });
});

describe('a promotion the gate refused', () => {
  it('is waited on: the gate is asked again on the clock, and the flag applied once it opens (logged)', async () => {
    const log = captureLogs();
    const registry = new Registry();
    const { pool, clock } = makePool({ mode: 'shadow', registry, logger: log.logger, gate: { minChecks: 0, minDurationMs: 60_000 } });
    const timersBefore = clock.pending;
    const binding = bindModeFlag(pool, new EnvFlagProvider({ POOLSHIFT_MODE: 'live' }), log.logger, { clock, gateRetryIntervalMs: 1000 });
    cleanup.push(async () => {
      await binding.close();
      await pool.close();
    });
    await binding.ready;
    expect(pool.mode).toBe('shadow');
    const since = clock.now();
    expect(binding.waiting).toMatchObject({ requested: 'live', mode: 'shadow', since });
    expect(binding.waiting?.reason).toMatch(/held .* for 0 ms, 60\.0 s required/);
    expect(log.find(/mode flag not applied: waiting for the promotion gate/)).toMatchObject({ level: 40, code: 'POOLSHIFT_ERR_PROMOTION_REFUSED', target: 'live' });
    expect(clock.pending).toBe(timersBefore + 1);
    expect(await registry.metrics()).toMatch(/^poolshift_gate_waiting 1$/m);

    clock.advance(30_000);
    expect(pool.mode).toBe('shadow');
    // The reason follows the gate's latest look; when the wait began does not move.
    expect(binding.waiting).toMatchObject({ since, reason: expect.stringMatching(/for 30\.0 s, 60\.0 s required/) as unknown });
    // Asked on the timer, not by setMode: no refusal logged per look, no decision recorded.
    expect(log.messages().filter((m) => m === 'promotion refused by the gate')).toHaveLength(1);

    clock.advance(30_000);
    await waitFor(() => pool.mode === 'live', 'live once the gate opened');
    await waitFor(() => log.find(/promotion gate opened/) !== undefined, 'the promotion logged');
    expect(log.find(/promotion gate opened/)).toMatchObject({ level: 30, mode: 'live', requested: 'live', waitedMs: 60_000 });
    expect(String(log.find(/promotion gate opened/)?.msg)).toContain('after waiting 60.0 s');
    expect(binding.waiting).toBeUndefined();
    expect(pool.gate.lastDecision).toMatchObject({ allowed: true });
    expect(clock.pending).toBe(timersBefore);
    expect(await registry.metrics()).toMatch(/^poolshift_gate_waiting 0$/m);
  });

  it('a flag file broken while the gate is waited on is said once, not at every look of the retry timer', async () => {
    const path = await flagFilePath(JSON.stringify({ mode: 'live' }));
    const log = captureLogs();
    const { pool, clock } = makePool({ mode: 'shadow', gate: { minChecks: 0, minDurationMs: 10_000 } });
    const provider = new FileFlagProvider(path);
    const binding = bound(pool, provider, log.logger, { clock, gateRetryIntervalMs: 1000 });
    await binding.ready;
    expect(binding.waiting).toMatchObject({ requested: 'live', mode: 'shadow' });
    await replaceFile(path, '{ "mode": "live", }');
    // The gate opens: from then on every look re-reads the file, which does not parse.
    for (let i = 0; i < 15; i++) {
      clock.advance(1000);
      await binding.refresh();
    }
    const refused = log.lines.filter((l) => l.msg === 'mode flag refused: mode unchanged');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ fault: 'invalid-json', err: expect.stringContaining('line 1, column 19: property name expected') as unknown });
    expect(pool.mode).toBe('shadow');
  });

  it('stops waiting when the flag asks for something else; close() clears the timer', async () => {
    const log = captureLogs();
    const env: NodeJS.ProcessEnv = { POOLSHIFT_MODE: 'unified' };
    const { pool, clock } = makePool({ mode: 'shadow', gate: { minChecks: 0, minDurationMs: 60_000 } });
    const timersBefore = clock.pending;
    const binding = bindModeFlag(pool, new EnvFlagProvider(env), log.logger, { clock, gateRetryIntervalMs: 1000 });
    cleanup.push(() => pool.close());
    await binding.ready;
    // Walking to unified stops at the gate: what is waited for is the flag's mode.
    expect(binding.waiting).toMatchObject({ requested: 'unified', mode: 'shadow' });
    env.POOLSHIFT_MODE = 'shadow';
    await binding.refresh();
    expect(binding.waiting).toBeUndefined();
    expect(clock.pending).toBe(timersBefore);
    expect(pool.mode).toBe('shadow');

    env.POOLSHIFT_MODE = 'live';
    await binding.refresh();
    const since = clock.now();
    expect(binding.waiting).toMatchObject({ requested: 'live', since });
    expect(clock.pending).toBe(timersBefore + 1);
    // An operator moves the mode meanwhile: at the next look the flag is walked again, up to the gate.
    await pool.setMode('legacy');
    clock.advance(1000);
    await waitFor(() => pool.mode === 'shadow', 'walked back to shadow');
    await binding.refresh();
    expect(binding.waiting).toMatchObject({ requested: 'live', mode: 'shadow', since });
    await binding.close();
    expect(clock.pending).toBe(timersBefore);
  });
});

describe('OpenFeature', () => {
  it('a change of the provider configuration switches the mode, targeted by node id, without a restart', async () => {
    const domain = `poolshift-test-${Math.random()}`;
    const flags = (defaultVariant: 'legacy' | 'shadow', canary?: 'shadow' | 'live') => ({
      'poolshift-mode': {
        variants: { legacy: 'legacy', shadow: 'shadow', live: 'live' },
        defaultVariant,
        disabled: false,
        ...(canary ? { contextEvaluator: (ctx: { targetingKey?: string }) => (ctx.targetingKey === 'dual-node' ? canary : defaultVariant) } : {}),
      },
    });
    const provider = new InMemoryProvider(flags('legacy'));
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);
    const log = captureLogs();
    const { pool } = makePool({ mode: 'legacy', gate: { minChecks: 0, minDurationMs: 0 } });
    const flag = new OpenFeatureFlagProvider({ client, targetingKey: 'dual-node' });
    const binding = bindModeFlag(pool, flag, log.logger);
    await binding.ready;
    expect(pool.mode).toBe('legacy');
    provider.putConfiguration(flags('legacy', 'shadow'));
    await waitFor(() => pool.mode === 'shadow', 'canary node in shadow');
    provider.putConfiguration(flags('legacy', 'live'));
    await waitFor(() => pool.mode === 'live', 'canary node live');
    provider.putConfiguration({ 'poolshift-mode': { variants: { bad: 'warp' }, defaultVariant: 'bad', disabled: false } });
    await waitFor(() => log.find(/invalid mode flag value/)?.value === 'warp', 'invalid value logged');
    expect(pool.mode).toBe('live');
    await binding.close();
    await flag.close();
    await pool.close();
    await OpenFeature.clearProviders();
  });

  it('no flag defined in the provider means legacy, and the log says so', async () => {
    const domain = `poolshift-test-${Math.random()}`;
    await OpenFeature.setProviderAndWait(domain, new InMemoryProvider({}));
    const log = captureLogs();
    const flag = new OpenFeatureFlagProvider({ client: OpenFeature.getClient(domain), targetingKey: 'n' });
    expect(await initialMode(flag, log.logger)).toBe('legacy');
    expect(log.find(/no mode flag configured/)).toBeDefined();
    await OpenFeature.clearProviders();
  });
});
