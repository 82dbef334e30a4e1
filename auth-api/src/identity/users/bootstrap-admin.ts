import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from '../passwords/index.js';
import type { UserStore } from './user-store.js';

export interface BootstrapAdmin {
  username: string;
  /** Only returned when it was generated here: the caller shows it once. */
  generatedPassword: string | undefined;
}

/**
 * On a database with no users, creates the first admin so the system can be used at all.
 * Two instances starting at once race on the unique username; the loser's insert fails
 * with 409 and it simply carries on.
 */
export async function ensureBootstrapAdmin(
  users: UserStore,
  hasher: PasswordHasher,
  username: string,
  password: string | undefined,
): Promise<BootstrapAdmin | undefined> {
  if ((await users.count()) > 0) return undefined;
  const generatedPassword = password ? undefined : randomBytes(18).toString('base64url');
  try {
    await users.create({ username, passwordHash: await hasher.hash(password ?? generatedPassword!), role: 'admin' });
  } catch (error) {
    if ((error as { code?: string }).code === 'conflict') return undefined;
    throw error;
  }
  return { username, generatedPassword };
}
