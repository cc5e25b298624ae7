import { ConfigError, loadConfig } from '../../src/config.js';

/** The message of the ConfigError that loadConfig throws for `env`; fails the test if it loads. */
export function configErrorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
