import { REDACTED, scrubUrl, scrubValues, urlCredentials } from '../core/secrets.ts';
import type { Config } from './schema.ts';

/**
 * Every secret a config puts in play: the value of each endpoint's api_key_env (all endpoints, not
 * only the ones a command calls) and the credentials in each base_url (user part, query values).
 */
export function configSecrets(config: Config, env: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>();
  for (const endpoint of Object.values(config.endpoints)) {
    const key = endpoint.api_key_env === undefined ? undefined : env[endpoint.api_key_env];
    if (key !== undefined && key !== '') secrets.add(key);
    for (const credential of urlCredentials(endpoint.base_url)) secrets.add(credential);
  }
  secrets.delete(REDACTED);
  return [...secrets];
}

/**
 * The config as it may be stored (runs.config_json) and exported: base URLs without credentials, and
 * no known key value in any string (a key interpolated with ${VAR} anywhere). Still a valid config.
 */
export function configForStorage<T>(config: T, secrets: readonly string[]): T {
  const scrub = (value: unknown, path: readonly string[]): unknown => {
    if (typeof value === 'string') {
      const isUrl = path.length === 3 && path[0] === 'endpoints' && path[2] === 'base_url';
      return scrubValues(isUrl ? scrubUrl(value) : value, secrets);
    }
    if (Array.isArray(value)) return value.map((item, index) => scrub(item, [...path, String(index)]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, [...path, key])]));
    }
    return value;
  };
  return scrub(config, []) as T;
}
