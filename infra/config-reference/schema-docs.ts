import { z } from 'zod';

/** One documented setting: an environment variable or a field of a config file. */
export interface SettingDoc {
  name: string;
  /** As it would be written in the environment; undefined when unset by default. */
  default: string | undefined;
  /** What values are accepted: a range, a list, a pattern, a kind of URL. */
  format: string;
  description: string;
  /** Only shown in .env.example as an empty, commented line (never a value). */
  secret?: boolean;
}

interface JsonProperty {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  description?: string;
}

const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'];

/** The accepted values as a reader would say them, from the field's JSON Schema. */
export function formatOf(property: JsonProperty): string {
  if (property.enum) {
    const values = property.enum.map(String);
    if (values.length === BOOLEAN_WORDS.length && BOOLEAN_WORDS.every((word) => values.includes(word)))
      return 'true or false (also 1/0, yes/no)';
    return `one of ${values.join(', ')}`;
  }
  if (property.type === 'integer' || property.type === 'number') {
    const kind = property.type === 'integer' ? 'whole number' : 'number';
    const { minimum: min, maximum: max } = property;
    if (min !== undefined && max !== undefined && max < Number.MAX_SAFE_INTEGER)
      return `${kind}, ${min}–${max}`;
    if (min !== undefined) return `${kind} ≥ ${min}`;
    return kind;
  }
  if (property.pattern) return `text matching \`${property.pattern}\``;
  if (property.minLength === 1) return 'text, not empty';
  if (property.minLength) return `text, at least ${property.minLength} characters`;
  return 'text';
}

/** How a parsed default is written back into the environment. */
function envText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

export interface SchemaHints {
  /** Formats JSON Schema cannot express (refinements: URL schemes, CIDRs, key lengths). */
  formats?: Record<string, string>;
  /** Defaults that depend on the machine, said in words so the reference is the same everywhere. */
  defaults?: Record<string, string>;
  secrets?: readonly string[];
}

/**
 * The settings of an environment schema (keys are variable names): the description from the
 * field's `.describe()`, the format from its JSON Schema (zod 4's `z.toJSONSchema`, input side)
 * or a hint, and the default from parsing an empty environment.
 */
export function describeEnvSchema(schema: z.ZodObject, hints: SchemaHints = {}): SettingDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, JsonProperty>;
  };
  const parsed = schema.safeParse({});
  if (!parsed.success) throw new Error(`the schema has required variables: ${parsed.error.message}`);
  const defaults = parsed.data as Record<string, unknown>;
  return Object.keys(schema.shape).map((name) => {
    const property = json.properties[name] ?? {};
    if (!property.description) throw new Error(`${name} has no description (.describe('…') in its schema)`);
    return {
      name,
      default: hints.defaults?.[name] ?? envText(defaults[name]),
      format: hints.formats?.[name] ?? formatOf(property),
      description: property.description,
      ...(hints.secrets?.includes(name) ? { secret: true } : {}),
    };
  });
}
