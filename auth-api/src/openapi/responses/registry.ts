import { z } from 'zod';

/**
 * Response bodies are declared with zod schemas written from what the handlers return (the
 * `toPublic*` functions and the services' result types), on each route's `responses`. In
 * production they only document; under test every answer is checked against them
 * (`http/routes/response-check.ts`), so a handler that drifts from its schema fails its test.
 *
 * Every schema registered with an `id` becomes `#/components/schemas/<id>`; the registry is
 * also the metadata source for descriptions and formats (zod's global registry stays clean).
 */
export const responseRegistry = z.registry<{ id?: string; description?: string; format?: string }>();

export function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  responseRegistry.add(schema, { id, description });
  return schema;
}

/** Timestamps are ISO 8601 strings (`Date#toISOString`). */
export function timestamp(): z.ZodString {
  const schema = z.string();
  responseRegistry.add(schema, { format: 'date-time' });
  return schema;
}

/**
 * A resource object. Loose, because the contract promises "at least these fields": a client
 * must not reject a field added later.
 */
export const resource = z.looseObject;

export const numericId = () => z.number().int().min(1);
/** Counts, revisions, lifetimes in seconds. */
export const count = () => z.number().int().min(0);
export const port = () => z.number().int().min(1).max(65535);

/** `{items, next_cursor?}`: `next_cursor` only when the page came back full. */
export function page<T extends z.ZodType>(name: string, item: T) {
  return component(
    `${name}Page`,
    `A page of ${name} objects; pass \`next_cursor\` back as \`?cursor=\` for the next one.`,
    resource({ items: z.array(item), next_cursor: z.string().optional() }),
  );
}

/** Lists that are small by nature are not paginated but keep the `items` envelope. */
export function list<T extends z.ZodType>(name: string, item: T) {
  return component(`${name}List`, `All matching ${name} objects.`, resource({ items: z.array(item) }));
}
