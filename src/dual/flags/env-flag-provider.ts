import { MODE_ENV_VAR, type ModeFlagProvider } from './mode-flag-provider.js';

/** `POOLSHIFT_MODE` from the environment, read once: a change needs a restart (or another provider). */
export class EnvFlagProvider implements ModeFlagProvider {
  readonly source: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #name: string;

  constructor(env: NodeJS.ProcessEnv = process.env, name = MODE_ENV_VAR) {
    this.#env = env;
    this.#name = name;
    this.source = `env ${name}`;
  }

  read(): Promise<unknown> {
    const value = this.#env[this.#name];
    return Promise.resolve(value === undefined || value.trim() === '' ? undefined : value.trim());
  }

  watch(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}
}
