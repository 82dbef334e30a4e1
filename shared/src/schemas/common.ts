import { z } from 'zod';

/** Cursor pagination query shared by every list route: `?cursor=&limit=`. */
export const listQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ListQuery = z.infer<typeof listQuery>;

/**
 * A path id: decimal digits without a leading zero, at most 16 of them, and no larger than
 * Number.MAX_SAFE_INTEGER. Matched as text before it becomes a number, because Number()
 * reads `0x1`, `1e0`, ` 1` and `01` as 1 too: every id has exactly one spelling.
 */
export const strictId = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'an id is a positive whole number in decimal, without leading zeros')
  .transform(Number)
  .refine((value) => Number.isSafeInteger(value), 'an id is at most 9007199254740991');

/** Route parameters that are numeric ids (`/v1/users/:id`). */
export const idParams = z.object({ id: strictId });

/** A path id that is a UUID (enrollment keys, commands). */
export const uuidId = z.uuid();

/** Route parameters that are UUIDs (`/v1/commands/:id`). */
export const uuidParams = z.object({ id: uuidId });
