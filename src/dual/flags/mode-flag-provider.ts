/**
 * Where the pool's mode comes from: one small interface, three sources (an environment
 * variable, a watched JSON file, an OpenFeature client). A provider only reads a raw value; the
 * binding (mode-flag-binding.ts) validates it and switches the pool.
 */
export interface ModeFlagProvider {
  /** Names the source in logs: 'env POOLSHIFT_MODE', 'file /etc/poolshift/flags.json', ... */
  readonly source: string;
  /** The raw flag value, or undefined when the flag is not configured at all. */
  read(): Promise<unknown>;
  /** Calls `onChange` when the value may have changed; returns the function that stops watching. */
  watch(onChange: () => void): () => void;
  /** Stops watching and lets go of what the provider holds. Idempotent. */
  close(): Promise<void>;
}

/** The flag's name, as an environment variable and as the OpenFeature flag key's default. */
export const MODE_ENV_VAR = 'POOLSHIFT_MODE';
export const MODE_FLAG_KEY = 'poolshift-mode';
