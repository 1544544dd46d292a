import type { z } from 'zod';
import { ConfigError } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One entry of a service's configuration: the variable names it is read from
 * (first set one wins, so Drone's names work as aliases), how to parse it, and
 * the default.
 */
export interface Setting<T> {
  names: readonly string[];
  parse: z.ZodType<T, string>;
  default?: T;
  /** Secret values are never echoed back in error messages. */
  secret?: boolean;
}

export function setting<T>(
  names: string | readonly string[],
  parse: z.ZodType<T, string>,
  def?: T,
): Setting<T> {
  return {
    names: typeof names === 'string' ? [names] : names,
    parse,
    ...(def === undefined ? {} : { default: def }),
  };
}

export function secretSetting<T>(
  names: string | readonly string[],
  parse: z.ZodType<T, string>,
  def?: T,
): Setting<T> {
  return { ...setting(names, parse, def), secret: true };
}

type Values<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/**
 * Reads every setting from `env`, validates it, and returns a frozen object.
 * Throws one ConfigError naming the first bad variable; all problems are listed
 * in its message so a person fixes them in one go.
 */
export function readEnv<S extends Record<string, Setting<unknown>>>(
  env: Env,
  settings: S,
): Readonly<Values<S>> {
  const out: Record<string, unknown> = {};
  const problems: ConfigError[] = [];
  for (const [key, s] of Object.entries(settings)) {
    const name = s.names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) {
      out[key] = s.default;
      continue;
    }
    const raw = env[name] as string;
    const r = s.parse.safeParse(raw);
    if (r.success) {
      out[key] = r.data;
    } else {
      const why = r.error.issues.map((i) => i.message).join('; ');
      problems.push(new ConfigError(name, s.secret ? why.replaceAll(raw, '***') : why));
    }
  }
  const [first] = problems;
  if (first) {
    if (problems.length === 1) throw first;
    const err = new ConfigError(first.variable, problems.map((p) => p.message).join('\n'));
    err.message = problems.map((p) => p.message).join('\n');
    throw err;
  }
  return Object.freeze(out) as Readonly<Values<S>>;
}

/** Fails with a message naming the variable when a required value is absent. */
export function required<T>(value: T | undefined, variable: string, hint: string): T {
  if (value === undefined || value === null || value === '') {
    throw new ConfigError(variable, `is required: ${hint}`);
  }
  return value;
}
