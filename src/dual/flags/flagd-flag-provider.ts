import { NOOP_PROVIDER, OpenFeature, type Logger as OpenFeatureLogger } from '@openfeature/server-sdk';
import type { Logger } from 'pino';
import { ConfigError } from '../../contract/errors.js';
import type { ModeFlagProvider } from './mode-flag-provider.js';
import { OpenFeatureFlagProvider } from './openfeature-flag-provider.js';

/** Where flagd's flag definitions come from: a file read in process, or a flagd daemon's sync service. */
export type FlagdSource = { readonly file: string } | { readonly host: string; readonly port: number; readonly selector?: string };

export interface FlagdFlagOptions {
  readonly source: FlagdSource;
  /** The node id: fractional roll-outs hash it, per-node rules match it. */
  readonly targetingKey: string;
  /** More of the evaluation context: `version` for rules on the node's version (`sem_ver`). */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly flagKey?: string;
  /** flagd's own messages (a definition that does not parse, a lost sync stream) go here. */
  readonly logger: Logger;
}

// The OpenFeature API is one object per process; each provider gets a domain of its own so that
// two nodes (or a test's several) in one process never evaluate against each other's definitions.
let domains = 0;

/**
 * The mode from flagd's flag-definition format, evaluated by flagd's own in-process evaluator
 * (`@openfeature/flagd-provider`): targeting by node id (fractional roll-outs, per-node rules,
 * rules on the version). The file is polled by flagd (fs.watchFile, every 5 s); a daemon pushes
 * its changes over its sync stream. Either way a change reaches the binding as a configuration
 * change, and the promotion gate still applies to each step.
 */
export class FlagdFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #domain = `poolshift-flagd-${++domains}`;
  readonly #ready: Promise<void>;
  readonly #modes: OpenFeatureFlagProvider;
  #closed = false;

  constructor(options: FlagdFlagOptions) {
    const s = options.source;
    this.source = 'file' in s ? `flagd ${s.file}` : `flagd sync ${s.host}:${s.port}`;
    const config = 'file' in s ? { offlineFlagSourcePath: s.file } : { host: s.host, port: s.port, ...(s.selector ? { selector: s.selector } : {}) };
    const logger = asOpenFeatureLogger(options.logger.child({ component: 'flagd', source: this.source }));
    // Read once the definitions are loaded; a source that cannot be loaded makes every read fail.
    this.#ready = (async () => {
      // Loaded when used: flagd's provider brings gRPC and protobufjs (about 0.6 s to import).
      const { FlagdProvider } = await import('@openfeature/flagd-provider');
      await OpenFeature.setProviderAndWait(this.#domain, new FlagdProvider({ resolverType: 'in-process', ...config }, logger));
    })().catch((err: unknown) => {
      throw new ConfigError(this.source, `cannot be loaded: ${(err as Error).message}`);
    });
    this.#ready.catch(() => undefined);
    this.#modes = new OpenFeatureFlagProvider({
      client: OpenFeature.getClient(this.#domain),
      targetingKey: options.targetingKey,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.flagKey ? { flagKey: options.flagKey } : {}),
    });
  }

  async read(): Promise<unknown> {
    await this.#ready;
    return this.#modes.read();
  }

  watch(onChange: () => void): () => void {
    return this.#modes.watch(onChange);
  }

  /** Stops flagd's polling or sync stream: the domain gets a no-op provider, which closes flagd's. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#modes.close();
    await this.#ready.catch(() => undefined);
    await OpenFeature.setProviderAndWait(this.#domain, NOOP_PROVIDER);
  }
}

function asOpenFeatureLogger(log: Logger): OpenFeatureLogger {
  const text = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  return {
    error: (...args: unknown[]) => log.error(text(args)),
    warn: (...args: unknown[]) => log.warn(text(args)),
    info: (...args: unknown[]) => log.debug(text(args)),
    debug: (...args: unknown[]) => log.debug(text(args)),
  };
}
