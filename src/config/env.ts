/**
 * Reading settings from the environment. A wrong or missing setting stops the process with a
 * message that names the variable, never a silent default that looks like it works. Messages
 * never repeat the value: a database URL carries its password, and logs outlive the process.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === '') return undefined;
  return value.trim();
}

export function requiredString(env: Env, name: string): string {
  const value = optionalString(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, 'must be an integer');
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

export function urlSetting(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  return raw;
}

/** host:port, as Temporal's TEMPORAL_ADDRESS. */
export function hostPortSetting(env: Env, name: string): string | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw)) throw new ConfigError(name, 'must be host:port');
  return raw;
}

/** Secrets must be long enough to be secrets. */
export function secretSetting(env: Env, name: string, minLength: number): string | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  if (Buffer.byteLength(raw, 'utf8') < minLength) throw new ConfigError(name, `must be at least ${minLength} bytes`);
  return raw;
}
