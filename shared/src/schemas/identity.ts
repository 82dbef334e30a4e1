import { z } from 'zod';

export const USER_ROLES = ['admin', 'operator', 'viewer'] as const;
export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase; short enough that Argon2 is never fed megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;

export const username = z
  .string()
  .min(1, 'username is required')
  .max(64, 'username is at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'username may contain letters, digits and . _ @ -');

export const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const totpCode = z.string().regex(/^[0-9]{6}$/, 'a TOTP code is 6 digits');

export const loginRequest = z.strictObject({
  // Login accepts any string up to the limits: rejecting a malformed username with 400
  // would tell an attacker which names can exist.
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  totp_code: totpCode.optional(),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const refreshRequest = z.strictObject({ refresh_token: z.string().min(1).max(512) });
export const logoutRequest = z.strictObject({ refresh_token: z.string().min(1).max(512).optional() });
export const totpCodeRequest = z.strictObject({ code: totpCode });

export const createUserRequest = z.strictObject({
  username,
  password: newPassword,
  role: z.enum(USER_ROLES),
});
export type CreateUserRequest = z.infer<typeof createUserRequest>;

export const patchUserRequest = z
  .strictObject({
    role: z.enum(USER_ROLES).optional(),
    password: newPassword.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });
export type PatchUserRequest = z.infer<typeof patchUserRequest>;

export const auditQuery = z.object({
  type: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
