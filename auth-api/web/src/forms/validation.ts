import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/** What a form's inputs became: the request to send, or a message per field to show beside them. */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/**
 * Runs a shared request schema on form input: the parsed body, or the first message per field
 * (keyed by the top-level field name) to show beside the inputs.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Checked<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A number input's value: a number, or the raw text when it is not one (the schema says why). */
export function numberOrText(value: string): number | string {
  const trimmed = value.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}
