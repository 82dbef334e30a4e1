import { z } from 'zod';

/** Thrown when the environment does not describe a valid configuration. Names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Validates environment variables against a zod object whose keys are the variable names.
 * Empty strings count as unset, so `FOO= npm start` falls back to the default like an absent FOO.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const got = present[name];
      return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`}`;
    }),
  );
}

const SECRET_NAME = /(SECRET|PASSWORD|KEY|TOKEN)$/;
function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) && !name.endsWith('_DIR') ? '[redacted]' : value;
}

/**
 * `value` as the exact origin a browser sends (`https://host[:port]`, lowercase host, no default
 * port), or undefined when it is not one: a path, query, credentials or another scheme mean the
 * entry could never match an Origin header, so it is refused rather than silently useless.
 */
export function exactOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  // `new URL` also accepts "https://host?" and "https://host#", and "https:host" without slashes.
  if (!/^https?:\/\/[^/?#]+\/?$/i.test(value)) return undefined;
  return url.origin;
}

function csvField() {
  return z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));
}

/** Reusable field parsers with messages that say what is expected. */
export const envField = {
  port: (fallback: number) =>
    z.coerce
      .number({ message: 'expected a TCP port number' })
      .int('expected a TCP port number')
      .min(0, 'expected a TCP port 0-65535')
      .max(65535, 'expected a TCP port 0-65535')
      .default(fallback),
  host: (fallback: string) => z.string().min(1).default(fallback),
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ message: 'expected a whole number' })
      .int('expected a whole number')
      .min(1, 'expected a whole number >= 1')
      .max(max, `expected a whole number <= ${max}`)
      .default(fallback),
  url: (protocols: string[]) =>
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(':', ''));
        } catch {
          return false;
        }
      },
      { message: `expected a URL (${protocols.join(', ')})` },
    ),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .default(fallback),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expected one of fatal, error, warn, info, debug, trace, silent',
    }).default('info'),
  csv: () => csvField(),
  /** Comma-separated exact browser origins, each normalised as browsers send it. */
  origins: () =>
    csvField().transform((items, context) => {
      const origins: string[] = [];
      for (const item of items) {
        const origin = exactOrigin(item);
        if (origin) {
          origins.push(origin);
          continue;
        }
        context.addIssue({
          code: 'custom',
          message: `${JSON.stringify(item)} is not an origin; expected scheme://host[:port], e.g. https://dashboard.example.com`,
        });
      }
      return origins;
    }),
};
