import { z } from 'zod';

/** Cursor pagination query shared by every list route: `?cursor=&limit=`. */
export const listQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ListQuery = z.infer<typeof listQuery>;

/** Route parameters that are numeric ids (`/v1/users/:id`). */
export const idParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
