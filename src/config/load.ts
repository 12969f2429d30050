import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import type { ZodError } from 'zod';
import { InrecordError } from '../errors/index.js';
import { type InrecordConfig, configSchema } from './schema.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${NAME}` and `${NAME:-default}` in every string of the document; a missing variable names its key path. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv = process.env, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new InrecordError('IR_CONFIG_ENV_MISSING', `${path.join('.') || '(root)'}: environment variable ${name} is not set`, {
        context: { key: path.join('.'), variable: name },
      });
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k])]));
  }
  return value;
}

/** Drops keys whose value substituted to an empty string, so `${X:-}` means "not set". */
function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => [k, dropEmpty(v)]),
    );
  }
  return value;
}

export function formatZodError(err: ZodError): string[] {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'inrecord.yaml'): InrecordConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new InrecordError('IR_CONFIG_INVALID', `${source} is not valid YAML: ${(err as Error).message}`);
  }
  const substituted = dropEmpty(substituteEnv(doc ?? {}, env));
  const parsed = configSchema.safeParse(substituted);
  if (!parsed.success) {
    const problems = formatZodError(parsed.error);
    throw new InrecordError('IR_CONFIG_INVALID', `${source} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, {
      context: { problems },
    });
  }
  return parsed.data;
}

export function defaultConfigPath(): string {
  return resolve(process.env.INRECORD_CONFIG ?? 'inrecord.yaml');
}

export function loadConfig(path = defaultConfigPath(), env: NodeJS.ProcessEnv = process.env): InrecordConfig {
  if (!existsSync(path)) {
    throw new InrecordError('IR_CONFIG_NOT_FOUND', `no config at ${path}`);
  }
  return parseConfig(readFileSync(path, 'utf8'), env, path);
}

const SECRET_KEY = /token|secret|password|refreshToken|databaseUrl|apiKey/i;

/** A copy safe for logs and --json: every secret-looking value replaced. */
export function redactConfig<T>(value: T): T {
  const walk = (v: unknown, key = ''): unknown => {
    if (typeof v === 'string' && SECRET_KEY.test(key)) return v ? '***' : v;
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value) as T;
}
