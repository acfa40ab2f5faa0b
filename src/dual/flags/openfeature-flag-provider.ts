import { ProviderEvents, type Client } from '@openfeature/server-sdk';
import { MODE_FLAG_KEY, type ModeFlagProvider } from './mode-flag-provider.js';

export interface OpenFeatureFlagOptions {
  /** A client of the OpenFeature API, handed in (its provider configured by the node). */
  readonly client: Client;
  /** The targeting key: the node id, so a flag can roll out node by node. */
  readonly targetingKey: string;
  /** More of the evaluation context (the node's version, for rules on it). */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly flagKey?: string;
}

/**
 * The mode from an OpenFeature client: a string flag, evaluated with the node id as targeting
 * key, re-evaluated whenever the provider reports a configuration change (or becomes ready), so
 * a change in the flag service switches the mode without a restart.
 */
export class OpenFeatureFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #client: Client;
  readonly #flagKey: string;
  readonly #context: Readonly<Record<string, string>>;
  readonly #handlers = new Set<() => void>();

  constructor(options: OpenFeatureFlagOptions) {
    this.#client = options.client;
    this.#flagKey = options.flagKey ?? MODE_FLAG_KEY;
    this.#context = { ...options.attributes, targetingKey: options.targetingKey };
    this.source = `openfeature ${this.#flagKey}`;
  }

  async read(): Promise<unknown> {
    const details = await this.#client.getStringDetails(this.#flagKey, '', this.#context);
    if (details.errorCode === 'FLAG_NOT_FOUND') return undefined;
    if (details.errorCode) return { error: details.errorCode, message: details.errorMessage };
    return details.value === '' ? undefined : details.value;
  }

  watch(onChange: () => void): () => void {
    const handler = (): void => onChange();
    this.#client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    this.#client.addHandler(ProviderEvents.Ready, handler);
    this.#handlers.add(handler);
    return () => this.#unwatch(handler);
  }

  async close(): Promise<void> {
    for (const h of [...this.#handlers]) this.#unwatch(h);
  }

  #unwatch(handler: () => void): void {
    this.#client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
    this.#client.removeHandler(ProviderEvents.Ready, handler);
    this.#handlers.delete(handler);
  }
}
