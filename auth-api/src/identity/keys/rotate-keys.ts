import fs from 'node:fs';
import path from 'node:path';
import { ensureKeysDir, generateKeyFile, type KeyRecord, readKeyringFile, writeKeyringFile } from './keyring-files.js';

export interface RotationResult {
  activated: string;
  retired: string | undefined;
  standby: string;
  removed: string[];
}

/**
 * One rotation step: the standby key becomes active, the active key starts retiring, a new
 * standby key is created, and keys that were already retiring for `removeRetiringAfterSeconds`
 * are removed (by then every access token they signed has expired).
 */
export function rotateKeys(dir: string, removeRetiringAfterSeconds: number, now = new Date()): RotationResult {
  ensureKeysDir(dir);
  const file = readKeyringFile(dir);
  if (!file) throw new Error(`no keyring in ${dir}: start the auth-api once to create one`);
  const keys: KeyRecord[] = file.keys.map((key) => ({ ...key }));
  const oldActive = keys.find((key) => key.status === 'active');
  let next = keys.find((key) => key.status === 'standby');
  if (!next) {
    next = generateKeyFile(dir, 'standby');
    keys.push(next);
  }
  if (oldActive) {
    oldActive.status = 'retiring';
    oldActive.retired_at = now.toISOString();
  }
  next.status = 'active';
  const standby = generateKeyFile(dir, 'standby');
  keys.push(standby);

  const removed: string[] = [];
  const kept = keys.filter((key) => {
    // The key retired by this very rotation always stays: tokens it signed a moment ago are live.
    const expired =
      key !== oldActive &&
      key.status === 'retiring' &&
      key.retired_at !== undefined &&
      now.getTime() - Date.parse(key.retired_at) >= removeRetiringAfterSeconds * 1000;
    if (expired) removed.push(key.kid);
    return !expired;
  });
  writeKeyringFile(dir, { version: 1, keys: kept });
  for (const kid of removed) fs.rmSync(path.join(dir, `${kid}.pem`), { force: true });
  return { activated: next.kid, retired: oldActive?.kid, standby: standby.kid, removed };
}
